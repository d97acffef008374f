import { test } from "node:test";
import assert from "node:assert/strict";
import {
  reddiProblem,
  reddiCoefficient,
  stochasticReddiProblem,
  leastSquaresProblem,
  runConvex,
} from "../../src/experiments/index.js";
import { quadraticForm } from "../../src/experiments/convex/leastSquares.js";
import { Rng } from "../../src/util/random.js";
import { close } from "../helpers/close.js";

test("Reddi problem: three SGD steps by hand", () => {
  // x1 = 0.5. t=1: f = 3x, regret 3(0.5+1) = 4.5, x2 = 0.5 - 0.1*3 = 0.2.
  // t=2: f = -x, regret -(1.2), x3 = 0.2 + 0.1/sqrt(2). t=3: regret -(x3 + 1), x4 = x3 + 0.1/sqrt(3).
  const run = runConvex(reddiProblem({ binarized: false }), "sgd", 3);
  const x3 = 0.2 + 0.1 / Math.SQRT2;
  close(run.regret, 4.5 - 1.2 - (x3 + 1), 1e-6, "R_3");
  close(run.trace[run.trace.length - 1].averageRegret, (4.5 - 1.2 - (x3 + 1)) / 3, 1e-6);
  close(run.finalLatent[0], x3 + 0.1 / Math.sqrt(3), 1e-6, "x4");
  assert.equal(run.flips, 0);
});

test("binarized Reddi problem: the loss sees sign(x), the gradient passes straight through", () => {
  // Same latent steps as above; the loss is evaluated at sign(x) = +1 throughout:
  // regret 3*2 - 2 - 2 = 2 over three steps.
  const run = runConvex(reddiProblem({ binarized: true }), "sgd", 3);
  close(run.regret, 2, 1e-9);
  close(run.finalLatent[0], 0.2 + 0.1 / Math.SQRT2 + 0.1 / Math.sqrt(3), 1e-6);
  assert.equal(run.trace[run.trace.length - 1].binarized, -1, "sign(x) = +1 is the opposite of x* = -1");
});

test("Reddi problem: regret against x* = -1 equals regret against the best point in hindsight", () => {
  const problem = reddiProblem({ binarized: false, C: 3 });
  const grad = new Float32Array(1);
  const rng = new Rng(0);
  const xs = [0.3, -0.2, 1, 0.7, -1, 0.1, 0.5, -0.6, 0.9, 0.05];
  let regretTerms = 0;
  let played = 0;
  let sumCoefficients = 0;
  for (let t = 1; t <= xs.length; t++) {
    regretTerms += problem.evaluate(t, Float32Array.of(xs[t - 1]), grad, rng);
    assert.equal(grad[0], reddiCoefficient(t, 3));
    played += reddiCoefficient(t, 3) * xs[t - 1];
    sumCoefficients += reddiCoefficient(t, 3);
    // min over x in [-1, 1] of x * sum: a linear function is minimised at an end point.
    const best = Math.min(-sumCoefficients, sumCoefficients);
    close(regretTerms, played - best, 1e-6, `R_${t}`);
  }
  assert.throws(() => reddiProblem({ binarized: false, C: 2 }), /C > 2/);
});

test("stochastic Reddi problem: E[a] = delta, and the regret of b is 0 and of -b the worst case", () => {
  const problem = stochasticReddiProblem({ dim: 8, C: 101, delta: 0.5, seed: 3 });
  const b = problem.optimum;
  const grad = new Float32Array(8);
  const rng = new Rng(5);
  const mean = new Float64Array(8);
  const draws = 200000;
  for (let t = 1; t <= draws; t++) {
    problem.evaluate(t, b, grad, rng);
    for (let i = 0; i < 8; i++) mean[i] += grad[i] / draws;
  }
  // E[grad_i] = -b_i * delta; the per-draw std is about C*sqrt(p) ~ 12, so the mean's is ~0.03.
  for (let i = 0; i < 8; i++) close(mean[i], -b[i] * 0.5, 0.12, `coordinate ${i}`);
  assert.equal(problem.evaluate(1, b, grad, rng), 0);
  close(
    problem.evaluate(
      1,
      b.map((v) => -v),
      grad,
      rng,
    ),
    problem.worstGap,
    1e-9,
  );
  close(problem.worstGap, 2 * 0.5 * 8, 1e-12);
});

test("binary least squares: expected gradient S(w - b), regret (w-b)'S(w-b)/2", () => {
  assert.equal(quadraticForm([1, 1], 0.5), 3);
  assert.equal(quadraticForm([1, 0, -1], 0.5), 2 - 2 * 0.25);
  const problem = leastSquaresProblem({ dim: 4, batch: 4, rho: 0.5, noise: 0.5, seed: 2 });
  const b = problem.optimum;
  const w = Float32Array.from(b);
  w[1] = -w[1];
  const grad = new Float32Array(4);
  const rng = new Rng(9);
  const mean = new Float64Array(4);
  const draws = 40000;
  let regret = 0;
  for (let t = 1; t <= draws; t++) {
    regret = problem.evaluate(t, w, grad, rng);
    for (let i = 0; i < 4; i++) mean[i] += grad[i] / draws;
  }
  // w - b is -2 b_1 at coordinate 1 only, so S(w - b) = -2 b_1 * (0.5, 1, 0.5, 0.25).
  const expected = [0.5, 1, 0.5, 0.25].map((s) => -2 * b[1] * s);
  for (let i = 0; i < 4; i++) close(mean[i], expected[i], 0.05, `coordinate ${i}`);
  close(regret, (4 * 1) / 2, 1e-9);
  assert.equal(problem.evaluate(1, b, grad, rng), 0);
  close(problem.worstGap, 2 * quadraticForm(b, 0.5), 1e-9);
});
