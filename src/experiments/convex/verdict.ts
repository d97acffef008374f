/**
 * The plain statement the convex experiment makes about each run, computed from the measured
 * regret: an optimizer "converges" on a problem when its average regret over the last tenth of
 * the steps is at most 1% of the worst feasible point's (so, on a binarized problem, its signs
 * are the optimum's at least ~99% of the time at the end).
 */
import type { ConvexProblem } from "./problem.js";
import { sign } from "./problem.js";
import type { ConvexRun } from "./run.js";

/** Fraction of the worst-case per-step regret that still counts as converged. */
export const CONVERGENCE_TOLERANCE = 0.01;

export interface Verdict {
  converges: boolean;
  /** Tail average regret divided by the worst-case per-step regret. */
  tailRatio: number;
  /** The final point is the optimum: every sign (binarized), or within 0.02 of it (real). */
  finalAtOptimum: boolean;
  /** One sentence with the numbers behind the verdict. */
  statement: string;
}

export function verdict(problem: ConvexProblem, run: ConvexRun): Verdict {
  const tailRatio = run.tailRegret / problem.worstGap;
  const converges = tailRatio <= CONVERGENCE_TOLERANCE;
  const finalAtOptimum = run.finalLatent.every((v, i) =>
    problem.binarized ? sign(v) === problem.optimum[i] : Math.abs(v - problem.optimum[i]) <= 0.02,
  );
  const percent = (100 * tailRatio).toPrecision(3);
  const statement =
    `${run.optimizer} ${converges ? "converges" : "has not converged"} on ${problem.id} within ${run.steps} steps: ` +
    `average regret over the last ${run.tailSteps} steps is ${percent}% of the worst case ` +
    `(criterion: at most ${100 * CONVERGENCE_TOLERANCE}%); final point ${finalAtOptimum ? "is" : "is not"} the optimum.`;
  return { converges, tailRatio, finalAtOptimum, statement };
}
