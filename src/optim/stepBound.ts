/**
 * What keeps an optimizer's results finite: the invariants of its state (checked when a state
 * dict is loaded) and a bound on how far one step can move a parameter (checked before a step).
 * Given finite parameters, gradients within GRADIENT_LIMIT and state within these invariants,
 * a step moves each parameter by at most `worstStep(...)`; when that bound comes near float32's
 * range, `Optimizer.step` runs the step as a transaction that is undone if any result is not
 * finite (see base.ts).
 */
import { GRADIENT_LIMIT } from "./params.js";
import type { OptionValue } from "./options.js";
import type { OptimizerName } from "./types.js";

/** Beyond this bound on a step's change a parameter could overflow float32 (max ~3.4e38). */
export const RISKY_STEP = 1e37;

/** |m| a first moment can reach: an average of gradients (<= GRADIENT_LIMIT), or SGD's sum. */
export function momentLimit(name: OptimizerName, o: Readonly<Record<string, OptionValue>>): number {
  const momentum = typeof o.momentum === "number" ? o.momentum : 0;
  // Twice the exact bound, for float32 rounding of the running averages.
  return (2 * GRADIENT_LIMIT) / (name === "sgd" ? 1 - momentum : 1);
}

/**
 * The first value of state array `key` that breaks its invariant, or null: every value finite;
 * second moments (v, vmax) >= 0; vmax >= v; first moments within `momentLimit`.
 */
export function stateViolation(
  name: OptimizerName,
  o: Readonly<Record<string, OptionValue>>,
  key: string,
  a: Float32Array,
  v?: Float32Array,
): { index: number; want: string } | null {
  const limit = key === "m" ? momentLimit(name, o) : Infinity;
  const nonNegative = key === "v" || key === "vmax";
  for (let j = 0; j < a.length; j++) {
    const x = a[j];
    if (!Number.isFinite(x)) return { index: j, want: "finite" };
    if (nonNegative && x < 0) return { index: j, want: ">= 0 (a second moment)" };
    if (Math.abs(x) > limit) return { index: j, want: `within +-${limit.toExponential(2)} (a first moment)` };
    if (key === "vmax" && v !== undefined && x < v[j]) return { index: j, want: `>= v (${v[j]}) there` };
  }
  return null;
}

/** A bound on |change| of any parameter in step t at rate lr (decay only shrinks). */
export function worstStep(
  name: OptimizerName,
  o: Readonly<Record<string, OptionValue>>,
  lr: number,
  t: number,
): number {
  const m = momentLimit(name, o);
  if (name === "sgd") return lr * (m + GRADIENT_LIMIT);
  const beta1 = typeof o.beta1 === "number" ? o.beta1 : 0;
  const beta2 = typeof o.beta2 === "number" ? o.beta2 : 0;
  const eps = typeof o.eps === "number" ? o.eps : 0;
  // Adam's largest per-element step: denominator >= eps, with either placement of bias corrections.
  const stepSize = lr / (1 - beta1 ** t) / Math.sqrt(1 - beta2 ** t) / eps;
  if (name !== "adabound" && name !== "amsbound") return stepSize * m;
  const f = ((o.finalLr as number) * lr) / (o.lr as number);
  const upper = f * (1 + 1 / ((o.gamma as number) * t));
  return Math.max(stepSize, upper) * m;
}
