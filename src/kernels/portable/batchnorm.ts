/**
 * Batch-normalization passes over x[batch, channels, spatial], in double precision. The order
 * of every sum is part of the contract (src/kernels/kernels.ts): a plane's values in index
 * order, planes in batch order; the native kernels follow it, so both give the same bits.
 */
import type { ChannelLayout } from "../kernels.js";

/** mean[c] and biased variance[c] over batch and spatial positions (two passes). */
export function batchNormStatistics(
  x: Float32Array,
  { batch, channels, spatial }: ChannelLayout,
  mean: Float64Array,
  variance: Float64Array,
): void {
  const count = batch * spatial;
  mean.fill(0, 0, channels);
  variance.fill(0, 0, channels);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      let s = 0;
      for (let i = 0; i < spatial; i++) s += x[o + i];
      mean[c] += s;
    }
  }
  for (let c = 0; c < channels; c++) mean[c] /= count;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const m = mean[c];
      let s = 0;
      for (let i = 0; i < spatial; i++) s += (x[o + i] - m) * (x[o + i] - m);
      variance[c] += s;
    }
  }
  for (let c = 0; c < channels; c++) variance[c] /= count;
}

/** y = x * scale[c] + shift[c] (double, rounded once to float32). */
export function batchNormApply(
  x: Float32Array,
  { batch, channels, spatial }: ChannelLayout,
  scale: Float64Array,
  shift: Float64Array,
  y: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const mul = scale[c];
      const add = shift[c];
      for (let i = 0; i < spatial; i++) y[o + i] = x[o + i] * mul + add;
    }
  }
}

/** sumDy[c] = sum of dy; sumDyXhat[c] = sum over planes of invStd[c] * sum(dy * (x - mean[c])). */
export function batchNormGradientSums(
  x: Float32Array,
  dy: Float32Array,
  { batch, channels, spatial }: ChannelLayout,
  mean: Float64Array,
  invStd: Float64Array,
  sumDy: Float64Array,
  sumDyXhat: Float64Array,
): void {
  sumDy.fill(0, 0, channels);
  sumDyXhat.fill(0, 0, channels);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const m = mean[c];
      let s = 0;
      let sx = 0;
      for (let i = 0; i < spatial; i++) {
        s += dy[o + i];
        sx += dy[o + i] * (x[o + i] - m);
      }
      sumDy[c] += s;
      sumDyXhat[c] += sx * invStd[c];
    }
  }
}

/** dx += k[c] * (dy - meanDy[c] - (x - mean[c]) * xCoef[c]) (double, rounded once). */
export function batchNormInputGradient(
  x: Float32Array,
  dy: Float32Array,
  { batch, channels, spatial }: ChannelLayout,
  mean: Float64Array,
  k: Float64Array,
  meanDy: Float64Array,
  xCoef: Float64Array,
  dx: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const kc = k[c];
      const m = mean[c];
      const md = meanDy[c];
      const xc = xCoef[c];
      for (let i = 0; i < spatial; i++) dx[o + i] += kc * (dy[o + i] - md - (x[o + i] - m) * xc);
    }
  }
}
