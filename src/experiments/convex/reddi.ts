/**
 * Reddi, Kale & Kumar's online counter-example (2018, Theorem 1): f_t(x) = C*x when
 * t mod 3 = 1, -x otherwise, on [-1, 1]. The average gradient (C - 2)/3 is positive for C > 2, so
 * x* = -1; Adam with beta1 = 0, beta2 = 1/(1 + C^2) drifts to +1 instead, because each large
 * gradient also inflates its own denominator. For C > 2 every partial sum of the coefficients
 * is positive, so -1 is also the best fixed point in hindsight at every T: the regret against
 * x* is exactly the textbook regret.
 */
import { BamsprodError, show } from "../../util/errors.js";
import type { ConvexProblem } from "./problem.js";

export interface ReddiOptions {
  /** The large coefficient; must exceed 2 so that x* = -1. Default 3. */
  C?: number;
  /** Loss on sign(x) with a straight-through gradient. */
  binarized: boolean;
  /** Starting point; default 0.5 (on the wrong side, so converging means crossing zero). */
  start?: number;
  /** Base step size; default 0.1. */
  alpha?: number;
}

/** The coefficient of f_t: C when t mod 3 = 1, else -1. */
export function reddiCoefficient(t: number, C: number): number {
  return t % 3 === 1 ? C : -1;
}

export function reddiProblem(options: ReddiOptions): ConvexProblem {
  const C = options.C ?? 3;
  if (!(C > 2) || !Number.isFinite(C)) {
    throw new BamsprodError(`Reddi's problem needs C > 2 (so that the optimum is -1), got ${show(C)}`);
  }
  const start = options.start ?? 0.5;
  const binarized = options.binarized;
  return {
    id: binarized ? "reddi-binary" : "reddi",
    title: binarized ? `Reddi's problem, binarized (C = ${C})` : `Reddi's problem, real (C = ${C})`,
    description:
      `f_t(x) = ${C}x when t mod 3 = 1, else -x, x in [-1, 1]; ` +
      (binarized ? "the loss sees sign(x), the gradient passes straight through; " : "") +
      `optimum x* = -1. Settings of Reddi et al.'s Theorem 1: beta1 = 0, beta2 = 1/(1+C^2).`,
    dim: 1,
    binarized,
    optimum: Float32Array.of(-1),
    // Per period of three steps a point x earns (C - 2)(x + 1) regret; the worst, x = 1, earns 2(C - 2).
    worstGap: (2 * (C - 2)) / 3,
    settings: { alpha: options.alpha ?? 0.1, beta1: 0, beta2: 1 / (1 + C * C) },
    initial: () => Float32Array.of(start),
    evaluate(t, w, grad) {
      const c = reddiCoefficient(t, C);
      grad[0] = c;
      return c * (w[0] + 1);
    },
  };
}
