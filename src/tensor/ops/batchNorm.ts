import { BamsprodError, show } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { channelLayout, checkChannels, outGrad } from "./grad.js";

/** Running averages of the per-channel batch statistics, used in evaluation mode. */
export interface RunningStats {
  mean: Float32Array;
  variance: Float32Array;
}

export interface BatchNormOptions {
  /** Training: normalize with the batch's statistics and update `running`; else use `running`. */
  training: boolean;
  /** Keras-style: running = momentum * running + (1 - momentum) * batch. Default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3 (Keras). */
  eps?: number;
}

/** Per-channel normalization actually applied: y = (x - mean) * invStd * gamma + beta. */
interface Normalization {
  mean: Float64Array;
  invStd: Float64Array;
}

/**
 * Batch normalization over the channel axis of x[N, C] or x[N, C, H, W].
 *
 * Training mode normalizes with the batch mean and biased variance over N (and H, W), updates
 * `running` in place with the unbiased variance (as Keras and PyTorch do), and backpropagates
 * through the batch statistics. Evaluation mode uses `running` and leaves it unchanged.
 * `gamma` / `beta` may be null for a fixed scale of 1 / shift of 0 (Keras `scale=False`,
 * `center=False`).
 * @example batchNorm(x, gamma, beta, { mean, variance }, { training: true })
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  running: RunningStats,
  options: BatchNormOptions,
): Tensor {
  const { batch, channels, spatial } = channelLayout("batchNorm", x);
  if (gamma !== null) checkChannels("batchNorm", "gamma", gamma.data, channels);
  if (beta !== null) checkChannels("batchNorm", "beta", beta.data, channels);
  checkChannels("batchNorm", "running mean", running.mean, channels);
  checkChannels("batchNorm", "running variance", running.variance, channels);
  const momentum = options.momentum ?? 0.99;
  const eps = options.eps ?? 1e-3;
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new BamsprodError(`batchNorm: momentum must be in [0, 1], got ${show(momentum)}`);
  }
  if (!(eps > 0)) throw new BamsprodError(`batchNorm: eps must be positive, got ${show(eps)}`);

  const layout = { batch, channels, spatial };
  const norm = options.training
    ? batchStatistics(x.data, layout, eps, running, momentum)
    : runningNormalization(running, eps);
  const y = new Float32Array(x.size);
  normalize(x.data, layout, norm, gamma?.data ?? null, beta?.data ?? null, y);

  const inputs = [x, gamma, beta].filter((t): t is Tensor => t !== null);
  return Tensor.fromOp(y, x.shape, inputs, (out) => {
    const dy = outGrad(out);
    const sums = gradientSums(x.data, dy, layout, norm);
    if (gamma !== null && gamma.requiresGrad) addSums(gamma.gradBuffer(), sums.dyXhat);
    if (beta !== null && beta.requiresGrad) addSums(beta.gradBuffer(), sums.dy);
    if (x.requiresGrad) {
      const count = options.training ? batch * spatial : 0;
      inputGradient(x.data, dy, layout, norm, gamma?.data ?? null, sums, count, x.gradBuffer());
    }
  });
}

interface Layout {
  batch: number;
  channels: number;
  spatial: number;
}

/** Batch mean and biased variance (two passes, in double precision); updates the running stats. */
function batchStatistics(
  x: Float32Array,
  { batch, channels, spatial }: Layout,
  eps: number,
  running: RunningStats,
  momentum: number,
): Normalization {
  const count = batch * spatial;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
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
  const invStd = new Float64Array(channels);
  // One sample per channel has no unbiased variance; keep the biased one (0) rather than NaN.
  const bessel = count > 1 ? count / (count - 1) : 1;
  for (let c = 0; c < channels; c++) {
    variance[c] /= count;
    invStd[c] = 1 / Math.sqrt(variance[c] + eps);
    running.mean[c] = momentum * running.mean[c] + (1 - momentum) * mean[c];
    running.variance[c] = momentum * running.variance[c] + (1 - momentum) * variance[c] * bessel;
  }
  return { mean, invStd };
}

function runningNormalization(running: RunningStats, eps: number): Normalization {
  const channels = running.mean.length;
  const mean = new Float64Array(channels);
  const invStd = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    mean[c] = running.mean[c];
    invStd[c] = 1 / Math.sqrt(running.variance[c] + eps);
  }
  return { mean, invStd };
}

function normalize(
  x: Float32Array,
  { batch, channels, spatial }: Layout,
  { mean, invStd }: Normalization,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  y: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const mul = invStd[c] * (gamma === null ? 1 : gamma[c]);
      const shift = (beta === null ? 0 : beta[c]) - mean[c] * mul;
      for (let i = 0; i < spatial; i++) y[o + i] = x[o + i] * mul + shift;
    }
  }
}

/** Per channel: sum of dy and sum of dy * xhat (xhat = normalized input). */
function gradientSums(
  x: Float32Array,
  dy: Float32Array,
  { batch, channels, spatial }: Layout,
  { mean, invStd }: Normalization,
): { dy: Float64Array; dyXhat: Float64Array } {
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
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
  return { dy: sumDy, dyXhat: sumDyXhat };
}

function addSums(dst: Float32Array, sums: Float64Array): void {
  for (let c = 0; c < sums.length; c++) dst[c] += sums[c];
}

/**
 * dx += gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)) in training mode (the two
 * mean terms are the paths through the batch mean and variance; `count` = N*H*W), and
 * dx += gamma * invStd * dy in evaluation mode (`count` = 0: statistics are constants).
 */
function inputGradient(
  x: Float32Array,
  dy: Float32Array,
  { batch, channels, spatial }: Layout,
  { mean, invStd }: Normalization,
  gamma: Float32Array | null,
  sums: { dy: Float64Array; dyXhat: Float64Array },
  count: number,
  dx: Float32Array,
): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * spatial;
      const k = invStd[c] * (gamma === null ? 1 : gamma[c]);
      const m = mean[c];
      const meanDy = count > 0 ? sums.dy[c] / count : 0;
      // xhat * mean(dy * xhat) = (x - m) * invStd * sumDyXhat / count
      const xCoef = count > 0 ? (invStd[c] * sums.dyXhat[c]) / count : 0;
      for (let i = 0; i < spatial; i++) {
        dx[o + i] += k * (dy[o + i] - meanDy - (x[o + i] - m) * xCoef);
      }
    }
  }
}
