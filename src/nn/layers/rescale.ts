/** The fixed input normalization of the built-in models: raw 0..255 pixels in, normalized values out. */
import { Tensor } from "../../tensor/tensor.js";
import { BamsprodError, show } from "../../util/errors.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext } from "../types.js";

export interface RescaleOptions {
  /** Mean of x / 255, one value or one per channel. Default 0.5. */
  mean?: number | readonly number[];
  /** Standard deviation of x / 255, one value or one per channel. Default 0.5. */
  std?: number | readonly number[];
  name?: string;
}

/**
 * y = (x / 255 - mean_c) / std_c per channel c (axis 1). Not trained. The defaults map
 * 0..255 to [-1, 1], centred on zero, where a sign-activated network sees both signs and the
 * first binary kernel's real-valued input has the same scale as the +-1 inputs of later layers.
 * Dataset statistics also work, e.g. Fashion-MNIST { mean: 0.2860, std: 0.3530 }.
 */
export class Rescale extends LayerBase {
  readonly kind = "rescale";
  readonly mean: number | readonly number[];
  readonly std: number | readonly number[];

  constructor(options: RescaleOptions = {}) {
    super(options.name);
    this.mean = options.mean ?? 0.5;
    this.std = options.std ?? 0.5;
    for (const v of [this.mean].flat()) {
      if (!Number.isFinite(v))
        throw new BamsprodError(`Rescale: mean must be finite, got ${show(this.mean)}`);
    }
    for (const v of [this.std].flat()) {
      if (!(Number.isFinite(v) && v > 0))
        throw new BamsprodError(`Rescale: std must be > 0, got ${show(this.std)}`);
    }
  }

  outputShape(inputShape: readonly number[]): number[] {
    const c = inputShape[0];
    for (const [option, v] of [
      ["mean", this.mean],
      ["std", this.std],
    ] as const) {
      if (typeof v !== "number" && v.length !== c) {
        throw new BamsprodError(
          `Rescale: ${option} has ${v.length} values but the input [${inputShape.join(", ")}] has ${c} channels`,
        );
      }
    }
    return [...inputShape];
  }

  /** y = x * scale[c] + offset[c] (float32 constants): scale = 1 / (255 * std_c), offset = -mean_c / std_c. */
  channelAffine(channels: number): { scale: Float32Array; offset: Float32Array } {
    const scale = new Float32Array(channels);
    const offset = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const m = typeof this.mean === "number" ? this.mean : this.mean[c];
      const s = typeof this.std === "number" ? this.std : this.std[c];
      scale[c] = 1 / (255 * s);
      offset[c] = -m / s;
    }
    return { scale, offset };
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const channels = x.shape[1];
    const per = x.size / (x.shape[0] * channels);
    const { scale: a, offset: b } = this.channelAffine(channels);
    const y = new Float32Array(x.size);
    const xd = x.data;
    // Plane by plane (sample, channel), so the channel's constants are hoisted out of the loop.
    for (let start = 0, c = 0; start < x.size; start += per, c = (c + 1) % channels) {
      const ac = a[c];
      const bc = b[c];
      for (let i = start; i < start + per; i++) y[i] = xd[i] * ac + bc;
    }
    // Raw pixels never need a gradient; the backward only matters if a user puts Rescale deeper.
    return Tensor.fromOp(y, x.shape, [x], (out) => {
      const gy = out.grad as Float32Array;
      const gx = x.gradBuffer();
      for (let start = 0, c = 0; start < x.size; start += per, c = (c + 1) % channels) {
        const ac = a[c];
        for (let i = start; i < start + per; i++) gx[i] += gy[i] * ac;
      }
    });
  }

  config(): Record<string, unknown> {
    const copy = (v: number | readonly number[]): number | number[] => (typeof v === "number" ? v : [...v]);
    return { mean: copy(this.mean), std: copy(this.std) };
  }
}
