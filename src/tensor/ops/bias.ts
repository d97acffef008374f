import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { channelLayout, checkChannels, outGrad } from "./grad.js";

/**
 * y[n, c, ...] = x[n, c, ...] + b[c]: the bias of a convolution (or of a dense layer, x[N, C]).
 * Backward: dx += dy, db[c] += sum of dy over everything but the channel.
 */
export function addChannelBias(x: Tensor, b: Tensor): Tensor {
  const { batch, channels, spatial } = channelLayout("addChannelBias", x);
  checkChannels("addChannelBias", "bias", b.data, channels);
  const y = takeBuffer(x.size, false);
  addChannelValues(x.data, b.data, batch, channels, spatial, y);
  return Tensor.fromOp(y, x.shape, [x, b], (out) => {
    const dy = outGrad(out);
    if (x.requiresGrad) {
      const dx = x.gradBuffer();
      for (let i = 0; i < dy.length; i++) dx[i] += dy[i];
    }
    if (b.requiresGrad) sumPerChannelInto(dy, batch, channels, spatial, b.gradBuffer());
  });
}

/** y = x + b[channel] over an [N, C, spatial] layout (y may be x). */
export function addChannelValues(
  x: Float32Array,
  b: Float32Array,
  batch: number,
  channels: number,
  spatial: number,
  y: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const v = b[c];
      const o = (n * channels + c) * spatial;
      for (let s = 0; s < spatial; s++) y[o + s] = x[o + s] + v;
    }
  }
}

/** db[c] += sum over n and spatial positions of dy[n, c, :]. */
export function sumPerChannelInto(
  dy: Float32Array,
  batch: number,
  channels: number,
  spatial: number,
  db: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      let sum = 0;
      for (let s = 0; s < spatial; s++) sum += dy[o + s];
      db[c] += sum;
    }
  }
}
