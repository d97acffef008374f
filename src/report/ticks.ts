/** Axis ticks: "nice" round values (1, 2, 5 times a power of ten) covering a data range. */
import { formatNumber } from "./xml.js";

/** A scale maps a data value to a fraction 0..1 of the axis length. */
export interface Scale {
  readonly kind: "linear" | "log";
  readonly min: number;
  readonly max: number;
  readonly ticks: number[];
  fraction(value: number): number;
  /** A tick's label, precise enough that neighbouring ticks never print alike. */
  label(value: number): string;
}

/** Round tick values covering [min, max] with about `count` intervals; the axis extends to the outer ticks. */
export function linearScale(min: number, max: number, count = 5): Scale {
  if (!(min < max)) {
    // A flat series still needs an axis: widen symmetrically around the value.
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return linearScale(min - pad, max + pad, count);
  }
  const step = niceStep((max - min) / count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(roundTo(lo + i * step, step));
  return {
    kind: "linear",
    min: lo,
    max: hi,
    ticks,
    fraction: (v) => (v - lo) / (hi - lo),
    label: stepLabel(lo, hi, step),
  };
}

/**
 * Labels with as many decimals as the step has (1.318, 1.319, not "1.32" twice); exponent form,
 * with the digits the step needs, for very large or very small numbers.
 */
export function stepLabel(lo: number, hi: number, step: number): (value: number) => string {
  const largest = Math.max(Math.abs(lo), Math.abs(hi));
  if (largest < 1e5 && step >= 1e-3) {
    const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return (v) => (v === 0 ? "0" : v.toFixed(decimals));
  }
  const digits = Math.max(3, Math.ceil(Math.log10(largest / step) + 1e-9) + 1);
  return (v) => formatNumber(v, digits);
}

/** Powers of ten covering [min, max] (both > 0); at most ~8 labelled ticks. */
export function logScale(min: number, max: number): Scale {
  if (!(min > 0) || !(max > 0)) throw new RangeError(`log scale needs positive bounds, got ${min}..${max}`);
  let lo = Math.floor(Math.log10(min) + 1e-9);
  let hi = Math.ceil(Math.log10(max) - 1e-9);
  if (hi === lo) hi = lo + 1;
  const stride = Math.max(1, Math.ceil((hi - lo) / 8));
  lo = Math.floor(lo / stride) * stride;
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += stride) ticks.push(10 ** e);
  const top = Math.log10(ticks[ticks.length - 1]);
  hi = Math.max(hi, top);
  return {
    kind: "log",
    min: 10 ** lo,
    max: 10 ** hi,
    ticks,
    fraction: (v) => (Math.log10(v) - lo) / (hi - lo),
    label: (v) => formatNumber(v),
  };
}

/** The 1, 2 or 5 times a power of ten nearest above `raw`. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10;
  return nice * power;
}

/** Removes binary rounding noise such as 0.30000000000000004 from a multiple of `step`. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(decimals, 15)));
}
