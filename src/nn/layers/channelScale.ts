/** XNOR-Net++-style learned scaling of a binary convolution's output channels. */
import type { Tensor } from "../../tensor/tensor.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext, Parameter } from "../types.js";
import { channelVector, mulChannel } from "./channelOps.js";

/**
 * y = x * scale[c] per channel (axis 1), scale learned, initially `initialScale` (default 1).
 * Bulat and Tzimiropoulos (2019, XNOR-Net++) learn this factor by back-propagation instead of
 * computing it from the weights as XNOR-Net does; placed after a binary convolution, it gives
 * each output channel its own magnitude while the product itself stays XNOR + popcount.
 */
export class ChannelScale extends LayerBase {
  readonly kind = "channel_scale";
  readonly initialScale: number;
  private scale: Tensor | null = null;

  constructor(options: { initialScale?: number; name?: string } = {}) {
    super(options.name);
    this.initialScale = options.initialScale ?? 1;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    this.scale = channelVector(inputShape[0], this.initialScale);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.requireBuilt();
    return mulChannel(x, this.scale as Tensor);
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    return [{ name: `${this.name}/scale`, tensor: this.scale as Tensor, binary: false }];
  }

  /** The learned scales (for export). */
  scales(): Float32Array {
    this.requireBuilt();
    return (this.scale as Tensor).data;
  }

  config(): Record<string, unknown> {
    return { initialScale: this.initialScale };
  }
}
