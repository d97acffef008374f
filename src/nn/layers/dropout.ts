/** Dropout: zeroes each value with probability `rate` in training (inverted scaling), identity in evaluation. */
import type { Tensor } from "../../tensor/tensor.js";
import { dropout } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext } from "../types.js";

export class Dropout extends LayerBase {
  readonly kind = "dropout";
  readonly rate: number;

  constructor(options: { rate: number; name?: string }) {
    super(options.name);
    if (!(options.rate >= 0 && options.rate < 1)) {
      throw new BamsprodError(`Dropout: rate must be in [0, 1), got ${show(options.rate)}`);
    }
    this.rate = options.rate;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return dropout(x, this.rate, ctx.rng, ctx.training);
  }

  config(): Record<string, unknown> {
    return { rate: this.rate };
  }
}
