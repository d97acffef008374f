/** A residual block: a sequence of layers whose output is added to the block's input. */
import type { Tensor } from "../../tensor/tensor.js";
import { add } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { NamedBuffer, ForwardContext, Layer, Parameter } from "../types.js";

/**
 * y = x + block(x). The block must keep the shape. The real-valued shortcut around binary
 * convolutions is what lets Bi-Real-style BNNs keep information that the sign would destroy.
 * @example new Residual([new QuantConv2D({ filters: 64, kernelSize: 3, padding: "same", inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }), new BatchNorm()])
 */
export class Residual extends LayerBase {
  readonly kind = "residual";
  readonly block: readonly Layer[];

  constructor(block: readonly Layer[], options: { name?: string } = {}) {
    super(options.name);
    if (block.length === 0) throw new BamsprodError("Residual: the block needs at least one layer");
    this.block = [...block];
  }

  children(): readonly Layer[] {
    return this.block;
  }

  outputShape(inputShape: readonly number[]): number[] {
    let shape = [...inputShape];
    for (const layer of this.block) shape = layer.outputShape(shape);
    if (shape.join(",") !== inputShape.join(",")) {
      throw new BamsprodError(
        `residual block ${show(this.name)} turns [${inputShape.join(", ")}] into [${shape.join(", ")}]; its layers must keep the shape`,
      );
    }
    return shape;
  }

  protected override onBuild(inputShape: readonly number[], rng: Rng): void {
    let shape: readonly number[] = inputShape;
    for (const layer of this.block) {
      layer.build(shape, rng);
      shape = layer.outputShape(shape);
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let y = x;
    for (const layer of this.block) y = layer.forward(y, ctx);
    return add(x, y);
  }

  override parameters(): Parameter[] {
    return this.block.flatMap((l) => l.parameters());
  }

  override buffers(): NamedBuffer[] {
    return this.block.flatMap((l) => l.buffers());
  }

  applyConstraints(): void {
    for (const layer of this.block) layer.applyConstraints?.();
  }

  config(): Record<string, unknown> {
    return { block: this.block.map((l) => ({ kind: l.kind, name: l.name, config: l.config() })) };
  }
}
