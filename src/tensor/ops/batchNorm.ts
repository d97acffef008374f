import { takeBuffer } from "../buffers.js";
import { getBackend, type ChannelLayout } from "../../kernels/index.js";
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

  const layout: ChannelLayout = { batch, channels, spatial };
  const norm = options.training
    ? batchStatistics(x.data, layout, eps, running, momentum)
    : runningNormalization(running, eps);
  // Per channel y = x * scale + shift with scale = invStd * gamma, shift = beta - mean * scale.
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = norm.invStd[c] * (gamma === null ? 1 : gamma.data[c]);
    shift[c] = (beta === null ? 0 : beta.data[c]) - norm.mean[c] * scale[c];
  }
  const y = takeBuffer(x.size, false);
  getBackend().kernels.batchNormApply(x.data, layout, scale, shift, y);

  const inputs = [x, gamma, beta].filter((t): t is Tensor => t !== null);
  return Tensor.fromOp(y, x.shape, inputs, (out) => {
    const dy = outGrad(out);
    const kernels = getBackend().kernels;
    const sumDy = new Float64Array(channels);
    const sumDyXhat = new Float64Array(channels);
    kernels.batchNormGradientSums(x.data, dy, layout, norm.mean, norm.invStd, sumDy, sumDyXhat);
    if (gamma !== null && gamma.requiresGrad) addSums(gamma.gradBuffer(), sumDyXhat);
    if (beta !== null && beta.requiresGrad) addSums(beta.gradBuffer(), sumDy);
    if (x.requiresGrad) {
      const count = options.training ? batch * spatial : 0;
      const { meanDy, xCoef } = inputGradientCoefficients(norm, sumDy, sumDyXhat, count);
      kernels.batchNormInputGradient(x.data, dy, layout, norm.mean, scale, meanDy, xCoef, x.gradBuffer());
    }
  });
}

/** Batch mean and biased variance (two passes, in double precision); updates the running stats. */
function batchStatistics(
  x: Float32Array,
  layout: ChannelLayout,
  eps: number,
  running: RunningStats,
  momentum: number,
): Normalization {
  const { channels } = layout;
  const count = layout.batch * layout.spatial;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  getBackend().kernels.batchNormStatistics(x, layout, mean, variance);
  const invStd = new Float64Array(channels);
  // One sample per channel has no unbiased variance; keep the biased one (0) rather than NaN.
  const bessel = count > 1 ? count / (count - 1) : 1;
  for (let c = 0; c < channels; c++) {
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

function addSums(dst: Float32Array, sums: Float64Array): void {
  for (let c = 0; c < sums.length; c++) dst[c] += sums[c];
}

/**
 * The input gradient is dx += gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)) in
 * training mode (the two mean terms are the paths through the batch mean and variance;
 * `count` = N*H*W), and dx += gamma * invStd * dy in evaluation mode (`count` = 0: the
 * statistics are constants). With xhat = (x - mean) * invStd the last term is
 * (x - mean) * xCoef, xCoef = invStd * sum(dy * xhat) / count.
 */
function inputGradientCoefficients(
  { invStd }: Normalization,
  sumDy: Float64Array,
  sumDyXhat: Float64Array,
  count: number,
): { meanDy: Float64Array; xCoef: Float64Array } {
  const meanDy = new Float64Array(sumDy.length);
  const xCoef = new Float64Array(sumDy.length);
  for (let c = 0; c < sumDy.length; c++) {
    meanDy[c] = count > 0 ? sumDy[c] / count : 0;
    xCoef[c] = count > 0 ? (invStd[c] * sumDyXhat[c]) / count : 0;
  }
  return { meanDy, xCoef };
}
