import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels, type ChannelLayout } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { randomArray } from "./reference.js";

/** Per-channel values of x[batch, channels, spatial], in order. */
function channelValues(x: Float32Array, { batch, channels, spatial }: ChannelLayout, c: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < spatial; i++) out.push(x[(n * channels + c) * spatial + i]);
  return out;
}

const layouts: ChannelLayout[] = [
  { batch: 5, channels: 3, spatial: 7 },
  { batch: 9, channels: 4, spatial: 1 },
];

test("batchNormStatistics: per-channel mean and biased variance", () => {
  const rng = new Rng(40);
  for (const l of layouts) {
    const x = randomArray(l.batch * l.channels * l.spatial, rng);
    const mean = new Float64Array(l.channels).fill(99); // overwritten
    const variance = new Float64Array(l.channels).fill(99);
    portableKernels.batchNormStatistics(x, l, mean, variance);
    for (let c = 0; c < l.channels; c++) {
      const v = channelValues(x, l, c);
      const m = v.reduce((s, t) => s + t, 0) / v.length;
      const var_ = v.reduce((s, t) => s + (t - m) ** 2, 0) / v.length;
      assert.ok(Math.abs(mean[c] - m) < 1e-14, `mean ${c}`);
      assert.ok(Math.abs(variance[c] - var_) < 1e-14, `variance ${c}`);
    }
  }
});

test("batchNormApply: y = x * scale[c] + shift[c] rounded once", () => {
  const l = { batch: 2, channels: 2, spatial: 2 };
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const y = new Float32Array(8);
  portableKernels.batchNormApply(x, l, Float64Array.from([2, 0.1]), Float64Array.from([1, -1]), y);
  const expected = [3, 5, 3 * 0.1 - 1, 4 * 0.1 - 1, 11, 13, 7 * 0.1 - 1, 8 * 0.1 - 1].map(Math.fround);
  assert.deepEqual([...y], expected);
});

test("batchNormGradientSums and batchNormInputGradient match their formulas", () => {
  const rng = new Rng(41);
  for (const l of layouts) {
    const size = l.batch * l.channels * l.spatial;
    const x = randomArray(size, rng);
    const dy = randomArray(size, rng);
    const mean = Float64Array.from({ length: l.channels }, () => rng.uniform() - 0.5);
    const invStd = Float64Array.from({ length: l.channels }, () => 0.5 + rng.uniform());
    const sumDy = new Float64Array(l.channels).fill(7);
    const sumDyXhat = new Float64Array(l.channels).fill(7);
    portableKernels.batchNormGradientSums(x, dy, l, mean, invStd, sumDy, sumDyXhat);
    const k = Float64Array.from({ length: l.channels }, () => rng.uniform());
    const meanDy = Float64Array.from({ length: l.channels }, () => rng.uniform());
    const xCoef = Float64Array.from({ length: l.channels }, () => rng.uniform());
    const dx0 = randomArray(size, rng);
    const dx = dx0.slice();
    portableKernels.batchNormInputGradient(x, dy, l, mean, k, meanDy, xCoef, dx);
    for (let c = 0; c < l.channels; c++) {
      const xs = channelValues(x, l, c);
      const ds = channelValues(dy, l, c);
      const s = ds.reduce((a, t) => a + t, 0);
      const sx = ds.reduce((a, t, i) => a + t * (xs[i] - mean[c]), 0) * invStd[c];
      assert.ok(Math.abs(sumDy[c] - s) < 1e-13, `sumDy ${c}`);
      assert.ok(Math.abs(sumDyXhat[c] - sx) < 1e-13, `sumDyXhat ${c}`);
    }
    for (let i = 0; i < size; i++) {
      const c = Math.floor(i / l.spatial) % l.channels;
      const want = dx0[i] + k[c] * (dy[i] - meanDy[c] - (x[i] - mean[c]) * xCoef[c]);
      assert.ok(Math.abs(dx[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `dx ${i}`);
    }
  }
});
