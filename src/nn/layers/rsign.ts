/** ReActNet's RSign: a sign with a learnable threshold per channel. */
import type { Tensor } from "../../tensor/tensor.js";
import { BamsprodError, show } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import { getQuantizer, type Quantizer, type QuantizerSpec } from "../quantizers/registry.js";
import type { ForwardContext, Parameter } from "../types.js";
import { channelVector, subChannel } from "./channelOps.js";

export interface RSignOptions {
  /** The sign quantizer whose pseudo-gradient is used (default "ste_sign"). */
  quantizer?: QuantizerSpec;
  name?: string;
}

/**
 * y = q(x - t[c]): +1 where x - t[c] >= 0, else -1, with t a learned threshold per channel
 * (axis 1), initialised to 0 (Liu et al. 2020, ReActNet). Backward: the quantizer's
 * pseudo-gradient g at x - t: dx += dy * g, dt[c] -= sum of dy * g. Its output is +-1, so a
 * following QuantConv2D should set `inputIsBinary` rather than quantize again.
 * @example new RSign({ quantizer: "approx_sign" })
 */
export class RSign extends LayerBase {
  readonly kind = "rsign";
  readonly quantizer: Quantizer;
  private threshold: Tensor | null = null;

  constructor(options: RSignOptions = {}) {
    super(options.name);
    this.quantizer = getQuantizer(options.quantizer ?? "ste_sign");
    if (this.quantizer.signsOnly !== true) {
      throw new BamsprodError(
        `RSign: quantizer ${show(this.quantizer.name)} does not output +-1; use ste_sign, approx_sign or swish_sign`,
      );
    }
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    this.threshold = channelVector(inputShape[0], 0);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.requireBuilt();
    return this.quantizer.apply(subChannel(x, this.threshold as Tensor));
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    return [{ name: `${this.name}/threshold`, tensor: this.threshold as Tensor, binary: false }];
  }

  /** The learned thresholds (for export). */
  thresholds(): Float32Array {
    this.requireBuilt();
    return (this.threshold as Tensor).data;
  }

  config(): Record<string, unknown> {
    return { quantizer: this.quantizer.config() };
  }
}
