import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, batchNorm, type RunningStats } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

function stats(channels: number, rng: Rng): RunningStats {
  return {
    mean: Float32Array.from({ length: channels }, () => rng.uniform() - 0.5),
    variance: Float32Array.from({ length: channels }, () => 0.5 + rng.uniform()),
  };
}

/** A gradient check's operands, drawn from Rng(seed): x of `shape` (axis 1: channels), gamma, beta and running stats. */
function operands(
  seed: number,
  shape: number[],
): { x: Tensor; gamma: Tensor; beta: Tensor; running: RunningStats } {
  const rng = new Rng(seed);
  const channels = shape[1];
  const x = param(shape, rng, 2);
  const gamma = param([channels], rng);
  const beta = param([channels], rng);
  return { x, gamma, beta, running: stats(channels, rng) };
}

function copy(s: RunningStats): RunningStats {
  return { mean: s.mean.slice(), variance: s.variance.slice() };
}

test("batchNorm training normalizes with batch statistics and updates running stats (unbiased)", () => {
  // Channel 0 holds 1, 2, 3, 6 over N=2 x spatial 2; channel 1 is constant 5.
  const x = Tensor.from([1, 2, 5, 5, 3, 6, 5, 5], [2, 2, 1, 2]);
  const running = { mean: Float32Array.from([0, 1]), variance: Float32Array.from([1, 1]) };
  const y = batchNorm(x, null, null, running, { training: true, momentum: 0.9, eps: 1e-3 });
  const mean = 3;
  const biased = (4 + 1 + 0 + 9) / 4;
  const expect0 = [1, 2, 3, 6].map((v) => (v - mean) / Math.sqrt(biased + 1e-3));
  const got0 = [y.data[0], y.data[1], y.data[4], y.data[5]];
  got0.forEach((v, i) => assert.ok(Math.abs(v - expect0[i]) < 1e-6));
  [2, 3, 6, 7].forEach((i) => assert.equal(y.data[i], 0));
  assert.ok(Math.abs(running.mean[0] - (0.9 * 0 + 0.1 * 3)) < 1e-6);
  assert.ok(Math.abs(running.variance[0] - (0.9 * 1 + 0.1 * ((biased * 4) / 3))) < 1e-6);
  assert.ok(Math.abs(running.mean[1] - (0.9 * 1 + 0.1 * 5)) < 1e-6);
  assert.ok(Math.abs(running.variance[1] - 0.9) < 1e-6);
});

test("batchNorm evaluation uses running stats and leaves them alone", () => {
  const x = Tensor.from([1, 4], [2, 1]);
  const running = { mean: Float32Array.from([2]), variance: Float32Array.from([3]) };
  const gamma = Tensor.from([2], [1]);
  const beta = Tensor.from([0.5], [1]);
  const y = batchNorm(x, gamma, beta, running, { training: false, eps: 1e-3 });
  const s = 2 / Math.sqrt(3 + 1e-3);
  assert.ok(Math.abs(y.data[0] - (-1 * s + 0.5)) < 1e-6);
  assert.ok(Math.abs(y.data[1] - (2 * s + 0.5)) < 1e-6);
  assert.deepEqual([...running.mean, ...running.variance], [2, 3]);
});

test("batchNorm training matches finite differences through the batch statistics, [N, C, H, W]", () => {
  const { x, gamma, beta, running } = operands(21, [3, 2, 2, 3]);
  const build = () => batchNorm(x, gamma, beta, copy(running), { training: true, eps: 1e-3 });
  checkGradients(build, [x, gamma, beta]);
});

test("batchNorm training matches finite differences on [N, C], and without gamma/beta", () => {
  const { x, gamma, beta, running } = operands(22, [6, 4]);
  checkGradients(() => batchNorm(x, gamma, beta, copy(running), { training: true }), [x, gamma, beta]);
  checkGradients(() => batchNorm(x, null, null, copy(running), { training: true }), [x]);
});

test("batchNorm evaluation matches finite differences", () => {
  const { x, gamma, beta, running } = operands(23, [2, 3, 2, 2]);
  checkGradients(() => batchNorm(x, gamma, beta, running, { training: false }), [x, gamma, beta]);
});
