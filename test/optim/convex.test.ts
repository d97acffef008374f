import assert from "node:assert/strict";
import { test } from "node:test";
import { createOptimizer, optimizerNames, type OptimizerName } from "../../src/optim/index.js";
import { Rng } from "../../src/util/random.js";

/** f(x) = 0.5 * sum a_i (x_i - b_i)^2: convex, minimum 0 at x = b. */
function quadratic(seed: number, n: number) {
  const rng = new Rng(seed);
  const a = Array.from({ length: n }, () => 0.5 + 1.5 * rng.uniform());
  const b = Array.from({ length: n }, () => 1.6 * rng.uniform() - 0.8);
  const loss = (x: Float32Array): number => x.reduce((s, v, i) => s + 0.5 * a[i] * (v - b[i]) ** 2, 0);
  const gradient = (x: Float32Array, g: Float32Array): void => {
    for (let i = 0; i < n; i++) g[i] = a[i] * (x[i] - b[i]);
  };
  return { loss, gradient };
}

const settings: Record<OptimizerName, { options: object; steps: number }> = {
  sgd: { options: { lr: 0.1, momentum: 0.9 }, steps: 300 },
  adam: { options: { lr: 0.01 }, steps: 1500 },
  amsgrad: { options: { lr: 0.01 }, steps: 1500 },
  adabound: { options: { lr: 0.01 }, steps: 1500 },
  amsbound: { options: { lr: 0.01 }, steps: 1500 },
  bop: { options: { lr: 0.01 }, steps: 1500 }, // real tensors: Bop's Adam
  bamsprod: { options: { lr: 0.01 }, steps: 1500 },
};

for (const name of optimizerNames) {
  test(`${name} minimizes a convex quadratic`, () => {
    const { loss, gradient } = quadratic(11, 20);
    const x = new Float32Array(20);
    const g = new Float32Array(20);
    const opt = createOptimizer(name, settings[name].options);
    const start = loss(x);
    for (let k = 0; k < settings[name].steps; k++) {
      gradient(x, g);
      opt.step([{ name: "x", value: x, grad: g }]);
    }
    assert.ok(loss(x) < 1e-4 * start, `${name}: loss ${loss(x)} from ${start}`);
  });
}

/**
 * A binary convex problem: minimize f(w) = -s.w over w in {-1, +1}^n (linear, so convex on
 * the box [-1, 1]^n too), minimum at w = s, with noisy gradients -s + noise. Latent-weight
 * optimizers get it through the straight-through estimator (the gradient at sign(x) passed to
 * x); Bop holds w itself.
 */
function binaryProblem(seed: number, n: number) {
  const rng = new Rng(seed);
  const s = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const wrong = (x: Float32Array): number =>
    x.reduce((c, v, i) => c + ((v >= 0 ? 1 : -1) === s[i] ? 0 : 1), 0);
  const gradient = (g: Float32Array): void => {
    for (let i = 0; i < n; i++) g[i] = -s[i] + 0.5 * rng.normal();
  };
  return { wrong, gradient, rng };
}

for (const name of optimizerNames) {
  test(`${name} solves a noisy binary problem (every sign right)`, () => {
    const n = 64;
    const { wrong, gradient, rng } = binaryProblem(5, n);
    const x = Float32Array.from({ length: n }, () => 0.2 * rng.uniform() - 0.1);
    const g = new Float32Array(n);
    const options = name === "bop" ? { gamma: 0.1, threshold: 0.5 } : { lr: 0.01 };
    const opt = createOptimizer(name, options);
    const start = wrong(x);
    for (let k = 0; k < 300; k++) {
      gradient(g);
      opt.step([{ name: "w", value: x, grad: g, binary: true }]);
    }
    assert.ok(start > 10, "the start must be far from the solution");
    assert.equal(wrong(x), 0, `${name}: ${wrong(x)} of ${n} signs wrong`);
    if (name === "bop") assert.ok(x.every((v) => v === 1 || v === -1));
    else assert.ok(x.every((v) => Math.abs(v) <= 1));
  });
}
