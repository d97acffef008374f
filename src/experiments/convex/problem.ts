/**
 * What the convex experiment needs to know about a problem: its size, whether the loss sees the
 * latent point or its signs, the known optimum the regret is measured against, and one online
 * step (draw f_t, return its gradient and regret term).
 */
import type { Rng } from "../../util/random.js";

/** Hyper-parameters the experiment gives every optimizer on a problem (from the construction it reproduces). */
export interface ProblemSettings {
  /** Base step size alpha; the step at t is alpha / sqrt(t) for every optimizer. */
  alpha: number;
  beta1: number;
  beta2: number;
}

/** The options of the randomly drawn problems: their size, seed and base step size. */
export interface RandomProblemOptions {
  dim?: number;
  /** Seed of the hidden optimum and the starting point (and, for some, of the draws). */
  seed?: number;
  /** Base step size; default 0.1. */
  alpha?: number;
}

export interface ConvexProblem {
  /** Short identifier, used in file names and on the command line. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences for the report: the loss, the domain, the optimum. */
  readonly description: string;
  readonly dim: number;
  /** True when the loss sees sign(x) and the gradient passes straight through (STE). */
  readonly binarized: boolean;
  /** The known minimiser w* (a +-1 vector for binarized problems); regret is measured against it. */
  readonly optimum: Float32Array;
  /** Expected per-step regret of the worst feasible point: the scale of the convergence criterion. */
  readonly worstGap: number;
  readonly settings: ProblemSettings;
  /** The starting latent point (a fresh copy each call). */
  initial(): Float32Array;
  /**
   * Plays w at step t (1-based): writes the gradient of f_t at w into `grad` and returns the
   * regret term, f_t(w) - f_t(w*) (deterministic problems) or E f(w) - E f(w*) (stochastic ones).
   * Stochastic problems draw f_t from `rng`, the same number of draws every step whatever w is,
   * so all optimizers see the same sequence of losses.
   */
  evaluate(t: number, w: Float32Array, grad: Float32Array, rng: Rng): number;
}

/** The project's sign: sign(0) = +1. */
export function sign(v: number): number {
  return v < 0 ? -1 : 1;
}

/** The domain of every latent coordinate, [-1, 1] (also the usual latent clip of BNNs). */
export function projectToBox(x: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(-1, x[i]));
}
