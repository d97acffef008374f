/** ReActNet's RSign: a sign with a learnable threshold per channel. */
import type { Tensor } from "../../tensor/tensor.js";
import { BamsprodError, show } from "../../util/errors.js";
import { getQuantizer, type Quantizer, type QuantizerSpec } from "../quantizers/registry.js";
import type { ForwardContext } from "../types.js";
import { subChannel } from "./channelOps.js";
import { PerChannelLayer } from "./perChannel.js";

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
export class RSign extends PerChannelLayer {
  readonly kind = "rsign";
  readonly quantizer: Quantizer;

  constructor(options: RSignOptions = {}) {
    super(options.name);
    this.quantizer = getQuantizer(options.quantizer ?? "ste_sign");
    if (this.quantizer.signsOnly !== true) {
      throw new BamsprodError(
        `RSign: quantizer ${show(this.quantizer.name)} does not output +-1; use ste_sign, approx_sign or swish_sign`,
      );
    }
  }

  protected channelVectors(): [string, number][] {
    return [["threshold", 0]];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const [threshold] = this.vectors();
    return this.quantizer.apply(subChannel(x, threshold));
  }

  /** The learned thresholds (for export). */
  thresholds(): Float32Array {
    return this.vectors()[0].data;
  }

  config(): Record<string, unknown> {
    return { quantizer: this.quantizer.config() };
  }
}
