/** Residual blocks: y = block(x) + shortcut(x), the shortcut the identity or a few layers. */
import type { Tensor } from "../../tensor/tensor.js";
import { add } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { NamedBuffer, ForwardContext, Layer, Parameter } from "../types.js";

export interface ResidualOptions {
  /**
   * Layers on the shortcut path; empty or omitted: the identity. Bi-Real Net's downsampling
   * shortcut is [AvgPool2D 2x2, Conv2D 1x1, BatchNorm]: it must give the block's output shape.
   */
  shortcut?: readonly Layer[];
  name?: string;
}

/**
 * y = block(x) + shortcut(x). With the identity shortcut the block must keep the shape. The
 * real-valued shortcut around binary convolutions is what lets Bi-Real-style BNNs keep the
 * information that the sign destroys.
 * @example new Residual([new QuantConv2D({ filters: 64, kernelSize: 3, padding: "same", inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }), new BatchNorm()])
 */
export class Residual extends LayerBase {
  readonly kind = "residual";
  readonly block: readonly Layer[];
  readonly shortcut: readonly Layer[];

  constructor(block: readonly Layer[], options: ResidualOptions = {}) {
    super(options.name);
    if (block.length === 0) throw new BamsprodError("Residual: the block needs at least one layer");
    this.block = [...block];
    this.shortcut = [...(options.shortcut ?? [])];
  }

  children(): readonly Layer[] {
    return [...this.block, ...this.shortcut];
  }

  outputShape(inputShape: readonly number[]): number[] {
    const shape = chainShape(this.block, inputShape);
    const other = chainShape(this.shortcut, inputShape);
    if (shape.join(",") !== other.join(",")) {
      const what = this.shortcut.length === 0 ? "its layers must keep the shape" : "its shortcut gives";
      throw new BamsprodError(
        `residual block ${show(this.name)} turns [${inputShape.join(", ")}] into [${shape.join(", ")}]; ` +
          `${what}${this.shortcut.length === 0 ? "" : ` [${other.join(", ")}]; both paths must give the same shape`}`,
      );
    }
    return shape;
  }

  protected override onBuild(inputShape: readonly number[], rng: Rng): void {
    for (const path of [this.block, this.shortcut]) {
      let shape: readonly number[] = inputShape;
      for (const layer of path) {
        layer.build(shape, rng);
        shape = layer.outputShape(shape);
      }
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let y = x;
    for (const layer of this.block) y = layer.forward(y, ctx);
    let s = x;
    for (const layer of this.shortcut) s = layer.forward(s, ctx);
    return add(s, y);
  }

  override parameters(): Parameter[] {
    return this.children().flatMap((l) => l.parameters());
  }

  override buffers(): NamedBuffer[] {
    return this.children().flatMap((l) => l.buffers());
  }

  config(): Record<string, unknown> {
    const describe = (l: Layer) => ({ kind: l.kind, name: l.name, config: l.config() });
    return { block: this.block.map(describe), shortcut: this.shortcut.map(describe) };
  }
}

function chainShape(layers: readonly Layer[], inputShape: readonly number[]): number[] {
  let shape = [...inputShape];
  for (const layer of layers) shape = layer.outputShape(shape);
  return shape;
}
