/**
 * A d-dimensional binarized version of Reddi et al.'s stochastic counter-example (2018,
 * Theorem 3). Each coordinate i, independently at each step, has loss -b_i * a * w_i with
 * a = C (probability p) or -1 (probability 1 - p), where p = (1 + delta)/(C + 1) makes
 * E[a] = delta > 0. So E f(w) = -delta * sum_i b_i w_i, minimised over the hypercube by the
 * hidden sign vector w* = b. The rare large gradients point to b, the frequent small ones away
 * from it: a method that normalises each gradient by a short memory of its own magnitude
 * (Adam) under-weights the informative rare ones and drifts the wrong way.
 */
import { Rng } from "../../util/random.js";
import { BamsprodError, show } from "../../util/errors.js";
import { sign, type ConvexProblem, type RandomProblemOptions } from "./problem.js";

export interface StochasticReddiOptions extends RandomProblemOptions {
  /** Large gradient magnitude; default 101 (as in Reddi et al.'s stochastic figure). */
  C?: number;
  /** Expected coefficient E[a]; default 0.5. */
  delta?: number;
}

export function stochasticReddiProblem(options: StochasticReddiOptions = {}): ConvexProblem {
  const dim = options.dim ?? 32;
  const C = options.C ?? 101;
  const delta = options.delta ?? 0.5;
  const p = (1 + delta) / (C + 1);
  if (!(delta > 0) || !(p < 1)) {
    throw new BamsprodError(
      `stochastic Reddi problem: need delta > 0 and delta < C, got delta ${show(delta)}, C ${show(C)}`,
    );
  }
  const rng = new Rng(options.seed ?? 7);
  const optimum = new Float32Array(dim).map(() => sign(rng.uniform() - 0.5));
  const start = new Float32Array(dim).map(() => rng.uniform() - 0.5);
  return {
    id: "stochastic-reddi-binary",
    title: `Stochastic Reddi problem, binarized (d = ${dim}, C = ${C})`,
    description:
      `For each of ${dim} coordinates, f_t(w) = -b_i a w_i with a = ${C} (probability ${p.toPrecision(3)}) ` +
      `or -1, so E[a] = ${delta}; the loss sees w = sign(x), the gradient passes straight through. ` +
      `Optimum: the hidden sign vector b. Start: latent uniform in [-0.5, 0.5]. beta1 = 0.9, beta2 = 0.99.`,
    dim,
    binarized: true,
    optimum,
    worstGap: 2 * delta * dim,
    settings: { alpha: options.alpha ?? 0.1, beta1: 0.9, beta2: 0.99 },
    initial: () => start.slice(),
    evaluate(_t, w, grad, r) {
      let regret = 0;
      for (let i = 0; i < dim; i++) {
        const a = r.uniform() < p ? C : -1;
        grad[i] = -optimum[i] * a;
        regret += delta * (1 - optimum[i] * w[i]);
      }
      return regret;
    },
  };
}
