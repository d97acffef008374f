/** XNOR-Net++-style learned scaling of a binary convolution's output channels. */
import type { Tensor } from "../../tensor/tensor.js";
import type { ForwardContext } from "../types.js";
import { mulChannel } from "./channelOps.js";
import { PerChannelLayer } from "./perChannel.js";

/**
 * y = x * scale[c] per channel (axis 1), scale learned, initially `initialScale` (default 1).
 * Bulat and Tzimiropoulos (2019, XNOR-Net++) learn this factor by back-propagation instead of
 * computing it from the weights as XNOR-Net does; placed after a binary convolution, it gives
 * each output channel its own magnitude while the product itself stays XNOR + popcount.
 */
export class ChannelScale extends PerChannelLayer {
  readonly kind = "channel_scale";
  readonly initialScale: number;

  constructor(options: { initialScale?: number; name?: string } = {}) {
    super(options.name);
    this.initialScale = options.initialScale ?? 1;
  }

  protected channelVectors(): [string, number][] {
    return [["scale", this.initialScale]];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const [scale] = this.vectors();
    return mulChannel(x, scale);
  }

  /** The learned scales (for export). */
  scales(): Float32Array {
    return this.vectors()[0].data;
  }

  config(): Record<string, unknown> {
    return { initialScale: this.initialScale };
  }
}
