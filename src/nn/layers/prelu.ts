/** PReLU as a layer: a learned negative slope per channel. */
import type { Tensor } from "../../tensor/tensor.js";
import { prelu } from "../../tensor/index.js";
import type { ForwardContext } from "../types.js";
import { PerChannelLayer } from "./perChannel.js";

/**
 * A layer with a learned negative slope alpha per channel (PReLU, RPReLU): its one option is
 * alpha's initial value, `initialAlpha` (default 0.25, He et al. 2015).
 */
export abstract class SlopeLayer extends PerChannelLayer {
  readonly initialAlpha: number;

  constructor(options: { initialAlpha?: number; name?: string } = {}) {
    super(options.name);
    this.initialAlpha = options.initialAlpha ?? 0.25;
  }

  config(): Record<string, unknown> {
    return { initialAlpha: this.initialAlpha };
  }
}

/**
 * y = x for x >= 0, alpha_c * x otherwise, alpha per channel (axis 1). Initial slope 0.25
 * (He et al. 2015). Used in real-valued-shortcut BNNs (Bi-Real Net, ReActNet) after the
 * binary convolution.
 */
export class PReLU extends SlopeLayer {
  readonly kind = "prelu";

  protected channelVectors(): [string, number][] {
    return [["alpha", this.initialAlpha]];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const [alpha] = this.vectors();
    return prelu(x, alpha);
  }
}
