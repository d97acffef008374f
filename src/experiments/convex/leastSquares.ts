/**
 * Binary least squares: a linear model with +-1 weights fitted to a stream of noisy examples,
 * the convex core of a binary layer. Each step draws a mini-batch of rows x ~ N(0, S) with
 * S_ij = rho^|i-j| and targets y = x.b + noise; f_t(w) = mean over the batch of (x.w - y)^2 / 2
 * with w = sign(x_latent) and a straight-through gradient. E f(w) - E f(b) = (w - b)' S (w - b) / 2,
 * so b is the unique optimum, and at b the gradient is pure noise: this problem shows how much
 * an optimizer keeps flipping signs once it has found the answer.
 */
import { Rng } from "../../util/random.js";
import { sign, type ConvexProblem, type RandomProblemOptions } from "./problem.js";

export interface LeastSquaresOptions extends RandomProblemOptions {
  batch?: number;
  /** Correlation of neighbouring features; default 0.5. */
  rho?: number;
  /** Standard deviation of the target noise; default 0.5. */
  noise?: number;
}

export function leastSquaresProblem(options: LeastSquaresOptions = {}): ConvexProblem {
  const dim = options.dim ?? 16;
  const batch = options.batch ?? 8;
  const rho = options.rho ?? 0.5;
  const noise = options.noise ?? 0.5;
  const setup = new Rng(options.seed ?? 11);
  const optimum = new Float32Array(dim).map(() => sign(setup.uniform() - 0.5));
  const start = new Float32Array(dim).map(() => setup.uniform() - 0.5);
  const row = new Float64Array(dim);
  const innovation = Math.sqrt(1 - rho * rho);
  return {
    id: "least-squares-binary",
    title: `Binary least squares (d = ${dim}, batch ${batch})`,
    description:
      `Mini-batches of ${batch} rows x ~ N(0, S), S_ij = ${rho}^|i-j|, y = x.b + N(0, ${noise}^2); ` +
      `f_t(w) = mean (x.w - y)^2 / 2 with w = sign(x_latent), straight-through gradient. ` +
      `Optimum: b (zero expected gradient there). Start: latent uniform in [-0.5, 0.5]. beta1 = 0.9, beta2 = 0.999.`,
    dim,
    binarized: true,
    optimum,
    worstGap: 2 * quadraticForm(optimum, rho),
    settings: { alpha: options.alpha ?? 0.1, beta1: 0.9, beta2: 0.999 },
    initial: () => start.slice(),
    evaluate(_t, w, grad, r) {
      grad.fill(0);
      for (let n = 0; n < batch; n++) {
        // An AR(1) sequence with unit variance has exactly the covariance rho^|i-j|.
        let residual = -noise * r.normal();
        for (let i = 0; i < dim; i++) {
          row[i] = i === 0 ? r.normal() : rho * row[i - 1] + innovation * r.normal();
          residual += row[i] * (w[i] - optimum[i]);
        }
        for (let i = 0; i < dim; i++) grad[i] += (residual * row[i]) / batch;
      }
      const diff = w.map((v, i) => v - optimum[i]);
      return quadraticForm(diff, rho) / 2;
    },
  };
}

/** v' S v for S_ij = rho^|i-j|, in float64. */
export function quadraticForm(v: ArrayLike<number>, rho: number): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    for (let j = 0; j < v.length; j++) sum += v[i] * v[j] * rho ** Math.abs(i - j);
  }
  return sum;
}
