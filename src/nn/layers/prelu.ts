/** PReLU as a layer: a learned negative slope per channel. */
import type { Tensor } from "../../tensor/tensor.js";
import { prelu } from "../../tensor/index.js";
import type { ForwardContext } from "../types.js";
import { PerChannelLayer } from "./perChannel.js";

/**
 * y = x for x >= 0, alpha_c * x otherwise, alpha per channel (axis 1). Initial slope 0.25
 * (He et al. 2015). Used in real-valued-shortcut BNNs (Bi-Real Net, ReActNet) after the
 * binary convolution.
 */
export class PReLU extends PerChannelLayer {
  readonly kind = "prelu";
  readonly initialAlpha: number;

  constructor(options: { initialAlpha?: number; name?: string } = {}) {
    super(options.name);
    this.initialAlpha = options.initialAlpha ?? 0.25;
  }

  protected channelVectors(): [string, number][] {
    return [["alpha", this.initialAlpha]];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const [alpha] = this.vectors();
    return prelu(x, alpha);
  }

  config(): Record<string, unknown> {
    return { initialAlpha: this.initialAlpha };
  }
}
