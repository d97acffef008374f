import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels, type ChannelLayout } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends } from "./backends.js";
import { assertSame, channelLayouts, randomArray } from "./helpers.js";

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

const f64 = (rng: Rng, n: number, lo: number, span: number): Float64Array =>
  Float64Array.from({ length: n }, () => lo + span * rng.uniform());

describeBackends("batch-norm kernels", (subject) => {
  const kernels = () => subject.backend().kernels;

  test("batchNormStatistics: per-channel mean and biased variance", () => {
    const rng = new Rng(40);
    for (const l of layouts) {
      const x = randomArray(rng, l.batch * l.channels * l.spatial);
      const mean = new Float64Array(l.channels).fill(99); // overwritten
      const variance = new Float64Array(l.channels).fill(99);
      kernels().batchNormStatistics(x, l, mean, variance);
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
    kernels().batchNormApply(x, l, Float64Array.from([2, 0.1]), Float64Array.from([1, -1]), y);
    const expected = [3, 5, 3 * 0.1 - 1, 4 * 0.1 - 1, 11, 13, 7 * 0.1 - 1, 8 * 0.1 - 1].map(Math.fround);
    assert.deepEqual([...y], expected);
  });

  test("batchNormGradientSums and batchNormInputGradient match their formulas", () => {
    const rng = new Rng(41);
    for (const l of layouts) {
      const size = l.batch * l.channels * l.spatial;
      const x = randomArray(rng, size);
      const dy = randomArray(rng, size);
      const mean = Float64Array.from({ length: l.channels }, () => rng.uniform() - 0.5);
      const invStd = Float64Array.from({ length: l.channels }, () => 0.5 + rng.uniform());
      const sumDy = new Float64Array(l.channels).fill(7);
      const sumDyXhat = new Float64Array(l.channels).fill(7);
      kernels().batchNormGradientSums(x, dy, l, mean, invStd, sumDy, sumDyXhat);
      const k = Float64Array.from({ length: l.channels }, () => rng.uniform());
      const meanDy = Float64Array.from({ length: l.channels }, () => rng.uniform());
      const xCoef = Float64Array.from({ length: l.channels }, () => rng.uniform());
      const dx0 = randomArray(rng, size);
      const dx = dx0.slice();
      kernels().batchNormInputGradient(x, dy, l, mean, k, meanDy, xCoef, dx);
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

  for (const t of subject.threads) {
    for (const l of channelLayouts) {
      test(`${t} thread(s), [${l.batch}, ${l.channels}, ${l.spatial}]: the bits of portable (same sums, same order)`, () => {
        subject.addon?.setThreads(t);
        const rng = new Rng(l.batch * 1000 + l.channels * 10 + l.spatial + t);
        const size = l.batch * l.channels * l.spatial;
        const C = l.channels;
        // An offset mean makes the two-pass variance matter.
        const x = randomArray(rng, size).map((v) => 3 + 2 * v);
        const dy = randomArray(rng, size);

        const pm = new Float64Array(C);
        const pv = new Float64Array(C);
        portableKernels.batchNormStatistics(x, l, pm, pv);
        const nm = new Float64Array(C).fill(Number.NaN);
        const nv = new Float64Array(C).fill(Number.NaN);
        kernels().batchNormStatistics(x, l, nm, nv);
        assertSame(nm, pm, "mean");
        assertSame(nv, pv, "variance");

        const scale = f64(rng, C, -2, 4);
        const shift = f64(rng, C, -1, 2);
        const py = new Float32Array(size);
        portableKernels.batchNormApply(x, l, scale, shift, py);
        const ny = new Float32Array(size).fill(Number.NaN);
        kernels().batchNormApply(x, l, scale, shift, ny);
        assertSame(ny, py, "apply");

        const invStd = f64(rng, C, 0.2, 2);
        const ps = [new Float64Array(C), new Float64Array(C)];
        portableKernels.batchNormGradientSums(x, dy, l, pm, invStd, ps[0], ps[1]);
        const ns = [new Float64Array(C).fill(5), new Float64Array(C).fill(5)];
        kernels().batchNormGradientSums(x, dy, l, pm, invStd, ns[0], ns[1]);
        assertSame(ns[0], ps[0], "sum of dy");
        assertSame(ns[1], ps[1], "sum of dy * xhat");

        const [kc, meanDy, xCoef] = [f64(rng, C, -1, 2), f64(rng, C, -0.1, 0.2), f64(rng, C, -0.1, 0.2)];
        const dx0 = randomArray(rng, size);
        const pdx = dx0.slice();
        portableKernels.batchNormInputGradient(x, dy, l, pm, kc, meanDy, xCoef, pdx);
        const ndx = dx0.slice();
        kernels().batchNormInputGradient(x, dy, l, pm, kc, meanDy, xCoef, ndx);
        assertSame(ndx, pdx, "input gradient");
      });
    }
  }
});
