/** Sequential models: a list of layers applied in order to a batch of images. */
import type { Tensor } from "../tensor/tensor.js";
import { BamsprodError, show } from "../util/errors.js";
import { Rng } from "../util/random.js";
import { LayerBase } from "./layerBase.js";
import { checkModelSize, type ModelSize } from "./sizeCheck.js";
import { loadModelStateDict, modelStateDict, type ModelStateDict } from "./stateDict.js";
import type { NamedBuffer, ForwardContext, Layer, Parameter } from "./types.js";

export interface SequentialOptions {
  /** Per-sample input shape, [C, H, W] for images. */
  inputShape: readonly number[];
  /** Number of classes; checked against the last layer's output when given. */
  classes?: number;
  /** Seed of the weight initialisation: same seed, same initial weights. Default 0. */
  seed?: number;
  /** Model name shown in summaries ("bmlp"). Default "sequential". */
  name?: string;
}

/**
 * Layers applied in order. The constructor names unnamed layers ("quant_dense_1", numbered
 * per kind in order, so names are stable), checks the shapes, and builds every layer with a
 * seeded initialisation.
 * @example
 * const model = new Sequential([new Rescale(), new Flatten(), new QuantDense({ units: 10, kernelQuantizer: "ste_sign" }), new BatchNorm()], { inputShape: [1, 28, 28], classes: 10, seed: 1 });
 * const logits = model.forward(x, { training: true, rng });
 */
export class Sequential {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly seed: number;
  /** Weights and the largest activation per sample, from shapes (checked against the limits). */
  readonly size: ModelSize;

  constructor(layers: readonly Layer[], options: SequentialOptions) {
    this.name = options.name ?? "sequential";
    this.layers = [...layers];
    this.inputShape = Object.freeze(checkShape(options.inputShape));
    this.seed = options.seed ?? 0;
    if (this.layers.length === 0) throw new BamsprodError("Sequential: a model needs at least one layer");
    assignNames(this.layers);
    this.size = checkModelSize(this.layers, this.inputShape);
    const out = buildAll(this.layers, this.inputShape, new Rng(this.seed));
    this.classes = checkClasses(out, options.classes);
  }

  /** Logits [N, classes] for a batch [N, ...inputShape]. */
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const expected = this.inputShape.join(", ");
    if (x.shape.length !== this.inputShape.length + 1 || x.shape.slice(1).join(", ") !== expected) {
      throw new BamsprodError(
        `model ${show(this.name)} expects input [N, ${expected}], got [${x.shape.join(", ")}]`,
      );
    }
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, ctx);
    return y;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  buffers(): NamedBuffer[] {
    return this.layers.flatMap((l) => l.buffers());
  }

  /** Parameters and buffers by name ("param:NAME", "buffer:NAME"): views, not copies. */
  stateDict(): ModelStateDict {
    return modelStateDict(this);
  }

  /**
   * Restores what `stateDict()` returned (any copy of it): every tensor present with its size
   * and finite values, checked before anything is copied. `source` names it in errors.
   */
  loadStateDict(tensors: ModelStateDict, source?: string): void {
    loadModelStateDict(this, tensors, source);
  }

  /** Per-sample output shape of each layer, in order. */
  layerOutputShapes(): number[][] {
    const shapes: number[][] = [];
    let shape: readonly number[] = this.inputShape;
    for (const layer of this.layers) {
      shape = layer.outputShape(shape);
      shapes.push([...shape]);
    }
    return shapes;
  }

  /** JSON description: enough to rebuild the architecture and to export the trained model. */
  config(): Record<string, unknown> {
    return {
      name: this.name,
      inputShape: [...this.inputShape],
      classes: this.classes,
      seed: this.seed,
      layers: this.layers.map((l) => ({ kind: l.kind, name: l.name, config: l.config() })),
    };
  }
}

/** Alias: the contract calls a built network a `Model`. */
export { Sequential as Model };

function checkShape(shape: readonly number[]): number[] {
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new BamsprodError(
      `Sequential: inputShape must be positive integers like [1, 28, 28], got ${show(shape)}`,
    );
  }
  return [...shape];
}

/**
 * Numbers unnamed layers per kind in depth-first order, skipping names given explicitly, and
 * rejects duplicates: parameter names derive from layer names and must be unique.
 */
function assignNames(layers: readonly Layer[]): void {
  const all: Layer[] = [];
  const collect = (layer: Layer): void => {
    all.push(layer);
    for (const child of layer.children?.() ?? []) collect(child);
  };
  layers.forEach(collect);
  const taken = new Set<string>();
  for (const layer of all) {
    if (layer.name === "") continue;
    if (taken.has(layer.name)) {
      throw new BamsprodError(
        `Sequential: two layers are named ${show(layer.name)}; layer names must be unique`,
      );
    }
    taken.add(layer.name);
  }
  const counts = new Map<string, number>();
  for (const layer of all) {
    if (layer.name !== "") continue;
    if (!(layer instanceof LayerBase)) {
      throw new BamsprodError(`Sequential: a ${show(layer.kind)} layer has no name; give it one`);
    }
    let n = counts.get(layer.kind) ?? 0;
    do n++;
    while (taken.has(`${layer.kind}_${n}`));
    counts.set(layer.kind, n);
    layer.assignName(`${layer.kind}_${n}`);
    taken.add(layer.name);
  }
}

function buildAll(layers: readonly Layer[], inputShape: readonly number[], rng: Rng): number[] {
  let shape: readonly number[] = inputShape;
  for (const layer of layers) {
    layer.build(shape, rng);
    shape = layer.outputShape(shape);
  }
  return [...shape];
}

function checkClasses(out: readonly number[], classes: number | undefined): number {
  if (out.length !== 1) {
    throw new BamsprodError(
      `Sequential: the last layer outputs [${out.join(", ")}] per sample; a classifier must output [classes] (add Flatten and Dense)`,
    );
  }
  if (classes !== undefined && out[0] !== classes) {
    throw new BamsprodError(`Sequential: the last layer outputs ${out[0]} values but classes is ${classes}`);
  }
  return out[0];
}
