/**
 * Runs one optimizer on one convex problem: at each step t the optimizer plays its current
 * point, the problem reveals f_t (its gradient and regret term), and the optimizer updates;
 * the latent point is then projected back into [-1, 1]. Records the average regret, how far
 * the latent and binarized iterates are from the optimum, and the sign flips, at log-spaced t.
 */
import { createOptimizer } from "../../optim/index.js";
import { Rng } from "../../util/random.js";
import { projectToBox, sign, type ConvexProblem, type ProblemSettings } from "./problem.js";

/** One recorded point of a run. */
export interface TracePoint {
  t: number;
  /** R_t / t: the average regret of the first t steps. */
  averageRegret: number;
  /** mean_i x_i * w*_i: 1 when the latent point is the optimum, -1 at the opposite corner. */
  latent: number;
  /** mean_i sign(x_i) * w*_i: 1 when every sign is the optimum's. */
  binarized: number;
  /** Sign changes of latent coordinates so far (summed over coordinates). */
  flips: number;
}

export interface ConvexRun {
  problem: string;
  optimizer: string;
  steps: number;
  /** The options handed to createOptimizer (the step size then follows alpha / sqrt(t)). */
  options: Record<string, number>;
  trace: TracePoint[];
  /** Regret R_T and the final latent point. */
  regret: number;
  finalLatent: number[];
  /** Average regret over the last tenth of the steps (the convergence criterion's input). */
  tailRegret: number;
  tailSteps: number;
  flips: number;
}

/** The options each optimizer gets: the step size and, where it has them, the problem's betas. */
export function optimizerOptions(name: string, s: ProblemSettings): Record<string, number> {
  // Bop's lr and betas drive its Adam update of real (non-binary) tensors.
  return name === "sgd" ? { lr: s.alpha } : { lr: s.alpha, beta1: s.beta1, beta2: s.beta2 };
}

/** About `count` distinct, log-spaced steps in [1, steps], always including the last. */
export function logSpacedSteps(steps: number, count = 150): number[] {
  const out = new Set<number>();
  for (let k = 0; k <= count; k++) out.add(Math.max(1, Math.round(steps ** (k / count))));
  out.add(steps);
  return [...out].sort((a, b) => a - b);
}

/** `extra` overrides or adds optimizer options (for ablations such as BAMSProd with lam = 0). */
export function runConvex(
  problem: ConvexProblem,
  optimizer: string,
  steps: number,
  seed = 1,
  extra: Record<string, number> = {},
): ConvexRun {
  const options = { ...optimizerOptions(optimizer, problem.settings), ...extra };
  const opt = createOptimizer(optimizer, options);
  const x = problem.initial();
  const w = new Float32Array(problem.dim);
  const grad = new Float32Array(problem.dim);
  const param = [{ name: "x", value: x, grad, binary: problem.binarized }];
  const rng = new Rng(seed);
  const record = new Set(logSpacedSteps(steps));
  const tailSteps = Math.max(1, Math.floor(steps / 10));
  const trace: TracePoint[] = [];
  let signs = Array.from(x, sign);
  let regret = 0;
  let tail = 0;
  let flips = 0;
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < x.length; i++) w[i] = problem.binarized ? sign(x[i]) : x[i];
    const r = problem.evaluate(t, w, grad, rng);
    // Straight-through estimator with larq's clip: no gradient where |x| > 1 (never, inside the box).
    if (problem.binarized) for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > 1) grad[i] = 0;
    regret += r;
    if (t > steps - tailSteps) tail += r;
    opt.lr = problem.settings.alpha / Math.sqrt(t);
    opt.step(param);
    projectToBox(x);
    const now = Array.from(x, sign);
    for (let i = 0; i < x.length; i++) if (now[i] !== signs[i]) flips++;
    signs = now;
    if (record.has(t)) trace.push({ t, averageRegret: regret / t, ...alignment(x, problem.optimum), flips });
  }
  return {
    problem: problem.id,
    optimizer,
    steps,
    options,
    trace,
    regret,
    finalLatent: Array.from(x),
    tailRegret: tail / tailSteps,
    tailSteps,
    flips,
  };
}

function alignment(x: Float32Array, optimum: Float32Array): { latent: number; binarized: number } {
  let latent = 0;
  let binarized = 0;
  for (let i = 0; i < x.length; i++) {
    latent += x[i] * optimum[i];
    binarized += sign(x[i]) * optimum[i];
  }
  return { latent: latent / x.length, binarized: binarized / x.length };
}
