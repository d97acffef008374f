/** Flattens each sample to a vector: [N, C, H, W] -> [N, C*H*W]. */
import type { Tensor } from "../../tensor/tensor.js";
import { flatten } from "../../tensor/index.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext } from "../types.js";

export class Flatten extends LayerBase {
  readonly kind = "flatten";

  constructor(options: { name?: string } = {}) {
    super(options.name);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return flatten(x);
  }

  config(): Record<string, unknown> {
    return {};
  }
}
