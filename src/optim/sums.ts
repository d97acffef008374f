/**
 * The float64 sums of BAMSProd's statistics (docs/algorithm.md lines 6-7), in one fixed order that the
 * native kernels (native/optim.h) use too, so both give the same bits: the tensor is cut into
 * blocks of SUM_BLOCK elements; in a block, element j adds into lane j % 8, and the lanes are
 * combined as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)); the block sums are added in block order.
 * Blocks make the order independent of how the native code splits a tensor across threads;
 * lanes let it keep eight partial sums in one vector register. Here, eight local variables
 * keep V8's loop as fast as a single running sum (measured), which an indexed lane array is not.
 */
import { GRADIENT_LIMIT } from "./params.js";

/** Elements per block of the ordered sums (native/optim.h kOptimSumBlock). */
export const SUM_BLOCK = 4096;

/** Lanes of a block's sum (native/optim.h kOptimSumLanes). */
export const SUM_LANES = 8;

/** Scratch for the lanes of a block's last, partial group of eight (never shared across calls). */
const tail = new Float64Array(SUM_LANES);

/** The lanes of a block's full groups of eight, for the tail to continue. */
function lanes(
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  s4: number,
  s5: number,
  s6: number,
  s7: number,
): Float64Array {
  tail[0] = s0;
  tail[1] = s1;
  tail[2] = s2;
  tail[3] = s3;
  tail[4] = s4;
  tail[5] = s5;
  tail[6] = s6;
  tail[7] = s7;
  return tail;
}

function combine(l: Float64Array): number {
  return l[0] + l[1] + (l[2] + l[3]) + (l[4] + l[5] + (l[6] + l[7]));
}

/** Sum of a[from..to) in lane order (one block: `from` a multiple of 8). */
export function blockSum(a: Float32Array, from: number, to: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let j = from;
  for (; j + SUM_LANES <= to; j += SUM_LANES) {
    s0 += a[j];
    s1 += a[j + 1];
    s2 += a[j + 2];
    s3 += a[j + 3];
    s4 += a[j + 4];
    s5 += a[j + 5];
    s6 += a[j + 6];
    s7 += a[j + 7];
  }
  const l = lanes(s0, s1, s2, s3, s4, s5, s6, s7);
  for (let lane = 0; j < to; j++, lane++) l[lane] += a[j];
  return combine(l);
}

/** Sum of |x*decay| (x*decay rounded to float32, docs/algorithm.md line 1) over x[from..to), in lane order. */
export function blockSumAbs(x: Float32Array, from: number, to: number, decay: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let j = from;
  for (; j + SUM_LANES <= to; j += SUM_LANES) {
    s0 += Math.abs(Math.fround(x[j] * decay));
    s1 += Math.abs(Math.fround(x[j + 1] * decay));
    s2 += Math.abs(Math.fround(x[j + 2] * decay));
    s3 += Math.abs(Math.fround(x[j + 3] * decay));
    s4 += Math.abs(Math.fround(x[j + 4] * decay));
    s5 += Math.abs(Math.fround(x[j + 5] * decay));
    s6 += Math.abs(Math.fround(x[j + 6] * decay));
    s7 += Math.abs(Math.fround(x[j + 7] * decay));
  }
  const l = lanes(s0, s1, s2, s3, s4, s5, s6, s7);
  for (let lane = 0; j < to; j++, lane++) l[lane] += Math.abs(Math.fround(x[j] * decay));
  return combine(l);
}

/**
 * Sum of line 6's deviations |x - a*sign(x)| over x[from..to) (x*decay rounded to float32), in
 * lane order. |x - a*sign(x)| = ||x| - a| exactly (negation is exact); this form has no branch.
 */
export function blockSumDeviation(
  x: Float32Array,
  from: number,
  to: number,
  decay: number,
  a: number,
): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let j = from;
  for (; j + SUM_LANES <= to; j += SUM_LANES) {
    s0 += Math.abs(Math.abs(Math.fround(x[j] * decay)) - a);
    s1 += Math.abs(Math.abs(Math.fround(x[j + 1] * decay)) - a);
    s2 += Math.abs(Math.abs(Math.fround(x[j + 2] * decay)) - a);
    s3 += Math.abs(Math.abs(Math.fround(x[j + 3] * decay)) - a);
    s4 += Math.abs(Math.abs(Math.fround(x[j + 4] * decay)) - a);
    s5 += Math.abs(Math.abs(Math.fround(x[j + 5] * decay)) - a);
    s6 += Math.abs(Math.abs(Math.fround(x[j + 6] * decay)) - a);
    s7 += Math.abs(Math.abs(Math.fround(x[j + 7] * decay)) - a);
  }
  const l = lanes(s0, s1, s2, s3, s4, s5, s6, s7);
  for (let lane = 0; j < to; j++, lane++) l[lane] += Math.abs(Math.abs(Math.fround(x[j] * decay)) - a);
  return combine(l);
}

/**
 * The read-only first pass of a BAMSProd step over a binary tensor: the gradient check (returns
 * how many entries of g are NaN, infinite or beyond GRADIENT_LIMIT) fused with line 6's
 * sum(|x*decay|), written to out[0] (the same sum, in the same order, as {@link sumAbs}).
 * Written out by eight, like the block sums: V8 runs it ~1.4x faster than a check loop followed
 * by {@link blockSumAbs} (measured).
 */
export function checkAndSumAbs(x: Float32Array, g: Float32Array, decay: number, out: Float64Array): number {
  let bad = 0;
  let sum = 0;
  for (let b = 0; b < x.length; b += SUM_BLOCK) {
    const end = Math.min(x.length, b + SUM_BLOCK);
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0,
      s6 = 0,
      s7 = 0;
    let j = b;
    for (; j + SUM_LANES <= end; j += SUM_LANES) {
      bad +=
        Number(!(Math.abs(g[j]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 1]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 2]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 3]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 4]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 5]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 6]) <= GRADIENT_LIMIT)) +
        Number(!(Math.abs(g[j + 7]) <= GRADIENT_LIMIT));
      s0 += Math.abs(Math.fround(x[j] * decay));
      s1 += Math.abs(Math.fround(x[j + 1] * decay));
      s2 += Math.abs(Math.fround(x[j + 2] * decay));
      s3 += Math.abs(Math.fround(x[j + 3] * decay));
      s4 += Math.abs(Math.fround(x[j + 4] * decay));
      s5 += Math.abs(Math.fround(x[j + 5] * decay));
      s6 += Math.abs(Math.fround(x[j + 6] * decay));
      s7 += Math.abs(Math.fround(x[j + 7] * decay));
    }
    const l = lanes(s0, s1, s2, s3, s4, s5, s6, s7);
    for (let lane = 0; j < end; j++, lane++) {
      bad += Number(!(Math.abs(g[j]) <= GRADIENT_LIMIT));
      l[lane] += Math.abs(Math.fround(x[j] * decay));
    }
    sum += combine(l);
  }
  out[0] = sum;
  return bad;
}

/**
 * sum of term(0..n-1) in the documented order, written plainly: the definition the fast sums
 * below unroll (the reference step uses it).
 */
export function orderedSum(n: number, term: (j: number) => number): number {
  let total = 0;
  for (let b = 0; b < n; b += SUM_BLOCK) {
    const lane = new Float64Array(SUM_LANES);
    for (let j = b; j < Math.min(n, b + SUM_BLOCK); j++) lane[(j - b) % SUM_LANES] += term(j);
    total += combine(lane);
  }
  return total;
}

/** sum(a) over the whole array in the documented order (BAMSProd's sum(vmax)). */
export function sumValues(a: Float32Array): number {
  let total = 0;
  for (let b = 0; b < a.length; b += SUM_BLOCK) total += blockSum(a, b, Math.min(a.length, b + SUM_BLOCK));
  return total;
}

/** sum(|x*decay|) over the whole tensor in the documented order. */
export function sumAbs(x: Float32Array, decay: number): number {
  let total = 0;
  for (let b = 0; b < x.length; b += SUM_BLOCK)
    total += blockSumAbs(x, b, Math.min(x.length, b + SUM_BLOCK), decay);
  return total;
}

/** sum(|x*decay - a*sign(x)|) over the whole tensor in the documented order. */
export function sumDeviation(x: Float32Array, decay: number, a: number): number {
  let total = 0;
  for (let b = 0; b < x.length; b += SUM_BLOCK) {
    total += blockSumDeviation(x, b, Math.min(x.length, b + SUM_BLOCK), decay, a);
  }
  return total;
}
