/**
 * BAMSProd's per-tensor statistics (docs/algorithm.md lines 6-8), shared by the TypeScript and the native
 * updates: the quantization error, the target c and the bounds [c_l, c_u] closing in on it.
 */
import type { AdamScalars } from "./adam.js";
import { sumAbs, sumDeviation } from "./sums.js";

/** The scalars of one BAMSProd step: Adam's, and those of the bounds (c is computed per tensor). */
export interface BamsprodScalars extends AdamScalars {
  /** gamma * t, which sets how far the bounds have closed in. */
  gammaT: number;
  lam: number;
}

/** Line 6, first half: a = mean(|x|) over x after line 1 (x*decay rounded to float32), in float64. */
export function meanAbs(x: Float32Array, decay: number): number {
  return sumAbs(x, decay) / x.length;
}

/**
 * Line 6: the scale-free quantization error of a binary tensor, on x after line 1 (x*decay
 * rounded to float32), summed in float64: a = mean(|x|), e = mean(|x - a*sign(x)|) / (a + 1e-12).
 * 0 when every value sits on +-a; it grows as values crowd near zero. A step computes the same
 * value, bit for bit, from its passes' sums.
 */
export function quantizationError(x: Float32Array, decay = 1): number {
  const n = x.length;
  if (n === 0) return 0;
  const a = meanAbs(x, decay);
  return quantizationErrorFromSum(sumDeviation(x, decay, a), n, a);
}

/** Line 6 from the sum of the deviations |x - a*sign(x)| over n elements with mean |x| = a. */
export function quantizationErrorFromSum(deviations: number, n: number, a: number): number {
  return deviations / n / (a + 1e-12);
}

/** Line 7: c = mean(vmax / bc2) * (1 + lam*e)^2, from sum(vmax) over n elements. */
export function target(sumVmax: number, n: number, e: number, s: BamsprodScalars): number {
  return (sumVmax / n) * s.invBc2 * (1 + s.lam * e) ** 2;
}

/** Line 8, lower bound: c_l = c * (1 - 1/(gamma*t + 1))^2; starts at 0, never decreases. */
export function lowerBound(c: number, gammaT: number): number {
  return c * (1 - 1 / (gammaT + 1)) ** 2;
}

/** Line 8, upper bound: c_u = c * (1 + 1/(gamma*t))^2; starts near +infinity, never increases. */
export function upperBound(c: number, gammaT: number): number {
  // c = 0 (all-zero second moments) must give 0, not 0 * Infinity = NaN when gamma*t is tiny.
  return c > 0 ? c * (1 + 1 / gammaT) ** 2 : 0;
}

/** Lines 6-8 of one tensor: its quantization error e, its target c and the bounds c_l, c_u. */
export interface BamsprodBounds {
  quantError: number;
  target: number;
  lower: number;
  upper: number;
}

/**
 * Lines 6-8 from a tensor's float64 sums over its n elements: sum(vmax), and for a binary
 * tensor the deviations around a = mean(|x|) (null for a real tensor: e = 0). Written into
 * `out` (reused from step to step), which is returned.
 */
export function boundsFromSums<B extends BamsprodBounds>(
  sumVmax: number,
  deviations: number | null,
  n: number,
  a: number,
  s: BamsprodScalars,
  out: B,
): B {
  const e = deviations === null ? 0 : quantizationErrorFromSum(deviations, n, a); // 6.
  const c = target(sumVmax, n, e, s); // 5.-7.
  out.quantError = e;
  out.target = c;
  out.lower = lowerBound(c, s.gammaT); // 8.
  out.upper = upperBound(c, s.gammaT);
  return out;
}
