/**
 * Small-sample statistics for comparing optimizers over a few seeds: mean, sample standard
 * deviation, Student's t quantiles, and Welch's interval for a difference of means (which does
 * not assume equal variances — optimizers differ in how much they vary across seeds).
 */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n - 1 in the denominator); NaN below two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return Math.sqrt(sum / (values.length - 1));
}

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7, 9 terms: ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized incomplete beta function I_x(a, b), by its continued fraction evaluated with the
 * modified Lentz method; the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) keeps the fraction in the
 * range where it converges quickly.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(1 - x, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    // Even step, then odd step of the continued fraction's coefficients.
    for (const numerator of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + numerator * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional, as in Welch's test). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T <= t) = p, by bisection on the CDF (monotone, so bisection cannot fail). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean difference a - b with Welch's confidence interval. */
export interface WelchInterval {
  difference: number;
  /** Half-width of the interval: difference +- halfWidth. */
  halfWidth: number;
  lower: number;
  upper: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value of "no difference". */
  pValue: number;
  confidence: number;
}

/**
 * Welch's t interval for mean(a) - mean(b). Needs two values in each sample; otherwise every
 * field but `difference` is NaN. When both samples have zero spread the interval is the point.
 */
export function welchInterval(a: readonly number[], b: readonly number[], confidence = 0.95): WelchInterval {
  const difference = mean(a) - mean(b);
  const nan = { difference, halfWidth: NaN, lower: NaN, upper: NaN, df: NaN, pValue: NaN, confidence };
  if (a.length < 2 || b.length < 2) return nan;
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    const p = difference === 0 ? 1 : 0;
    return {
      difference,
      halfWidth: 0,
      lower: difference,
      upper: difference,
      df: a.length + b.length - 2,
      pValue: p,
      confidence,
    };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const halfWidth = studentTQuantile(1 - (1 - confidence) / 2, df) * se;
  const pValue = 2 * (1 - studentTCdf(Math.abs(difference) / se, df));
  return {
    difference,
    halfWidth,
    lower: difference - halfWidth,
    upper: difference + halfWidth,
    df,
    pValue,
    confidence,
  };
}
