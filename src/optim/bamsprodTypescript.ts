/**
 * BAMSProd's update of one tensor in TypeScript. V8 runs these loops compute-bound (about a
 * quarter of the memory bandwidth a copy reaches), so what counts here is doing each operation
 * once, not reading each array once: the read-only pass of a step (`checkAndSumAbs`, sums.ts)
 * measures a = mean(|x|), then a statistics pass stores lines 2-4 and sums vmax and line 6's
 * deviations from a, then the update pass (lines 1, 5, 9-11). The native kernels, which are
 * memory-bound, split the same work differently (bamsprodFused.ts) and get the same bits.
 * The float64 sums follow the fixed order of sums.ts.
 */
import { boundsFromSums, type BamsprodBounds, type BamsprodScalars } from "./bamsprodStats.js";
import { blockSum, blockSumDeviation, SUM_BLOCK } from "./sums.js";
import type { TensorState } from "./types.js";

/**
 * The statistics pass: lines 2-4, stored, with the float64 sums lines 6-7 need:
 * sums[0] = sum(vmax) (new vmax) and, for a binary tensor (x given), sums[1] =
 * sum(|x - a*sign(x)|) over x after line 1. Block by block, the sums reread what the block
 * has just written (still in cache), in the order of sums.ts.
 */
export function statisticsPass(
  x: Float32Array | null,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array,
  s: BamsprodScalars,
  a: number,
  sums: Float64Array,
): void {
  const { decay, beta1, beta2 } = s;
  const ob1 = 1 - beta1;
  const ob2 = 1 - beta2;
  let sumVmax = 0;
  let sumDeviation = 0;
  for (let b = 0; b < g.length; b += SUM_BLOCK) {
    const end = Math.min(g.length, b + SUM_BLOCK);
    for (let j = b; j < end; j++) {
      const gj = g[j];
      m[j] = beta1 * m[j] + ob1 * gj; // 2. m <- beta1*m + (1-beta1)*g
      const vj = Math.fround(beta2 * v[j] + ob2 * gj * gj); // 3. v <- beta2*v + (1-beta2)*g*g
      v[j] = vj;
      const newMax = Number(vj > vmax[j]); // branch-free max (see common.ts)
      vmax[j] = newMax * vj + (1 - newMax) * vmax[j]; // 4. vmax <- max(vmax, v)
    }
    sumVmax += blockSum(vmax, b, end);
    if (x !== null) sumDeviation += blockSumDeviation(x, b, end, decay, a); // 6.
  }
  sums[0] = sumVmax;
  sums[1] = sumDeviation;
}

/** Line 9's candidates for one element: [vt, c_l, c_u] (see projectedUpdate). */
const candidates = new Float64Array(3);

/**
 * The update pass, lines 1, 5, 9-11: x <- x*decay - lr*(m/bc1)/(sqrt(V) + eps) with
 * V = min(max(vmax/bc2, lower), upper), then the clip (`clip` Infinity: none).
 */
export function projectedUpdate(
  x: Float32Array,
  m: Float32Array,
  vmax: Float32Array,
  s: BamsprodScalars,
  lower: number,
  upper: number,
  clip: number,
): void {
  const { decay, stepSize, invBc2, eps } = s;
  // Once the bounds bind, which elements they clamp is unpredictable, so line 9 selects
  // without branches (see common.ts): the index of V among [vt, c_l, c_u] is computed from the
  // two comparisons (never both true, as c_l <= c_u). Reading it from a small array is ~10%
  // faster in V8 than the 0/1-factor form (measured), and as exact.
  candidates[1] = lower;
  candidates[2] = upper;
  for (let j = 0; j < x.length; j++) {
    const xj = Math.fround(x[j] * decay); // 1. decoupled weight decay
    const vt = vmax[j] * invBc2; // 5. vt = vmax / bc2
    candidates[0] = vt;
    const V = candidates[Number(vt < lower) | (Number(vt > upper) << 1)]; // 9. V = min(max(vt, c_l), c_u)
    const xn = Math.fround(xj - (stepSize * m[j]) / (Math.sqrt(V) + eps)); // 10. stepSize = lr/bc1
    x[j] = Math.min(Math.max(xn, -clip), clip); // 11. clip binary latent weights
  }
}

/** Scratch for the statistics pass's sums. */
const sums = new Float64Array(2);

/** Scratch for lines 6-8's results. */
const bounds: BamsprodBounds = { quantError: 0, target: 0, lower: 0, upper: 0 };

/**
 * Lines 1-11 of one tensor after the read-only pass, given a = mean(|x*decay|) of a binary
 * tensor (ignored for a real one).
 */
export function typescriptUpdate(
  x: Float32Array,
  g: Float32Array,
  binary: boolean,
  state: TensorState,
  s: BamsprodScalars,
  clip: number,
  a: number,
): void {
  const n = x.length;
  statisticsPass(binary ? x : null, g, state.m, state.v, state.vmax, s, a, sums); // 2.-4., sums for 6.-7.
  const { lower, upper } = boundsFromSums(sums[0], binary ? sums[1] : null, n, a, s, bounds); // 5.-8.
  projectedUpdate(x, state.m, state.vmax, s, lower, upper, clip); // 9.-11.
}
