import { after, describe, test } from "node:test";
import { portableKernels, type ChannelLayout } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { addon, assertSame, native, randomArray, skip } from "./helpers.js";

// [N, C] layouts (spatial 1, summed row by row) and image layouts (planes summed eight at a
// time), with batches that are and are not multiples of 8, and sizes past the pool's grain.
const layouts: ChannelLayout[] = [
  { batch: 1, channels: 1, spatial: 1 },
  { batch: 13, channels: 5, spatial: 1 },
  { batch: 128, channels: 512, spatial: 1 },
  { batch: 3, channels: 2, spatial: 9 },
  { batch: 17, channels: 3, spatial: 49 },
  { batch: 16, channels: 32, spatial: 196 },
  { batch: 9, channels: 7, spatial: 785 },
];

const f64 = (rng: Rng, n: number, lo: number, span: number): Float64Array =>
  Float64Array.from({ length: n }, () => lo + span * rng.uniform());

describe(
  "native batch-norm kernels vs portable (bit-identical: same sums in the same order)",
  { skip },
  () => {
    const threads = addon === null ? 1 : native().info().threads;
    after(() => native().setThreads(threads));

    for (const t of [1, 2]) {
      for (const l of layouts) {
        const label = `${t} thread(s), [${l.batch}, ${l.channels}, ${l.spatial}]`;
        test(label, () => {
          native().setThreads(t);
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
          native().batchNormStatistics(x, l, nm, nv);
          assertSame(nm, pm, "mean");
          assertSame(nv, pv, "variance");

          const scale = f64(rng, C, -2, 4);
          const shift = f64(rng, C, -1, 2);
          const py = new Float32Array(size);
          portableKernels.batchNormApply(x, l, scale, shift, py);
          const ny = new Float32Array(size).fill(Number.NaN);
          native().batchNormApply(x, l, scale, shift, ny);
          assertSame(ny, py, "apply");

          const invStd = f64(rng, C, 0.2, 2);
          const ps = [new Float64Array(C), new Float64Array(C)];
          portableKernels.batchNormGradientSums(x, dy, l, pm, invStd, ps[0], ps[1]);
          const ns = [new Float64Array(C).fill(5), new Float64Array(C).fill(5)];
          native().batchNormGradientSums(x, dy, l, pm, invStd, ns[0], ns[1]);
          assertSame(ns[0], ps[0], "sum of dy");
          assertSame(ns[1], ps[1], "sum of dy * xhat");

          const [k, meanDy, xCoef] = [f64(rng, C, -1, 2), f64(rng, C, -0.1, 0.2), f64(rng, C, -0.1, 0.2)];
          const dx0 = randomArray(rng, size);
          const pdx = dx0.slice();
          portableKernels.batchNormInputGradient(x, dy, l, pm, k, meanDy, xCoef, pdx);
          const ndx = dx0.slice();
          native().batchNormInputGradient(x, dy, l, pm, k, meanDy, xCoef, ndx);
          assertSame(ndx, pdx, "input gradient");
        });
      }
    }
  },
);
