import assert from "node:assert/strict";
import { test } from "node:test";
import { createOptimizer } from "../../src/optim/index.js";
import { assertClose, f32 } from "./helpers.js";

interface BoundOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  finalLr: number;
  gamma: number;
  weightDecay: number;
}

/**
 * AdaBound / AMSBound in float64 from Luo et al.'s formulas: step = clamp(lr*sqrt(bc2)/bc1 /
 * (sqrt(v) + eps), lo, hi), x <- x - step*m, lo/hi from f = finalLr * lr / initialLr.
 * Returns x and which bound each element hit at each step.
 */
function byHand(
  x0: number[],
  grads: number[][],
  lrs: number[],
  o: BoundOptions,
  amsbound: boolean,
): { x: number[]; hits: Set<string> } {
  const x = [...x0];
  const m = x.map(() => 0);
  const v = x.map(() => 0);
  const vmax = x.map(() => 0);
  const hits = new Set<string>();
  grads.forEach((g, k) => {
    const t = k + 1;
    const lr = lrs[k];
    const f = (o.finalLr * lr) / o.lr;
    const lo = f * (1 - 1 / (o.gamma * t + 1));
    const hi = f * (1 + 1 / (o.gamma * t));
    for (let i = 0; i < x.length; i++) {
      x[i] *= 1 - lr * o.weightDecay;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      const raw =
        (lr * Math.sqrt(1 - o.beta2 ** t)) /
        (1 - o.beta1 ** t) /
        (Math.sqrt(amsbound ? vmax[i] : v[i]) + o.eps);
      const step = Math.min(Math.max(raw, lo), hi);
      hits.add(raw < lo ? "lower" : raw > hi ? "upper" : "inside");
      x[i] -= step * m[i];
    }
  });
  return { x, hits };
}

const o: BoundOptions = {
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  finalLr: 0.1,
  gamma: 0.1,
  weightDecay: 0,
};

test("adabound: first step by hand, with both bounds binding", () => {
  const opt = createOptimizer("adabound", o);
  const x = f32(0.5, 0.5, 0.5);
  opt.step([{ value: x, grad: f32(100, 1, 0.01) }]);
  // t = 1: f = 0.1, lo = 0.1*(1 - 1/1.1) = 0.1/11, hi = 0.1*(1 + 10) = 1.1.
  // raw = lr*sqrt(0.001)/0.1 / (sqrt(0.001)*|g| + eps) ~= 0.1/|g|: 0.001 (< lo), 0.1, 10 (> hi).
  const lo = 0.1 / 11;
  const hi = 1.1;
  const raw = (g: number): number => (0.01 * Math.sqrt(0.001)) / 0.1 / (Math.sqrt(0.001) * g + 1e-8);
  const expected = [0.5 - lo * 0.1 * 100, 0.5 - raw(1) * 0.1 * 1, 0.5 - hi * 0.1 * 0.01];
  assertClose(x, expected, 1e-6, "x");
});

for (const name of ["adabound", "amsbound"] as const) {
  test(`${name}: three steps by hand, the bounds follow a learning-rate change`, () => {
    const options = { ...o, weightDecay: 0.05 };
    const grads = [
      [100, 1, 0.01, -3],
      [0, -2, 0.02, 1],
      [50, 0.5, 0, 0.1],
    ];
    const lrs = [0.01, 0.005, 0.005];
    const x0 = [0.5, -0.5, 0.2, 0];
    const opt = createOptimizer(name, options);
    const x = f32(...x0);
    grads.forEach((g, k) => {
      opt.lr = lrs[k];
      opt.step([{ value: x, grad: f32(...g) }]);
    });
    const expected = byHand(x0, grads, lrs, options, name === "amsbound");
    assert.deepEqual(
      [...expected.hits].sort(),
      ["inside", "lower", "upper"],
      "the data must exercise both bounds",
    );
    assertClose(x, expected.x, 2e-6, "x after 3 steps");
  });

  test(`${name}: clip projection of binary tensors`, () => {
    const opt = createOptimizer(name, { lr: 0.01, finalLr: 10, clip: 0.55 });
    const latent = f32(0.5, -0.5);
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    assertClose(latent, [0.51, -0.51], 1e-6, "inside the clip");
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    opt.step([{ value: latent, grad: f32(-1, 1), binary: true }]);
    assertClose(latent, [0.55, -0.55], 1e-7, "clipped");
  });
}

test("amsbound and adabound differ once v falls below its maximum", () => {
  const grads = [[1], [0], [0], [0.5]];
  const a = f32(0);
  const b = f32(0);
  const ada = createOptimizer("adabound", o);
  const ams = createOptimizer("amsbound", o);
  for (const g of grads) {
    ada.step([{ value: a, grad: f32(...g) }]);
    ams.step([{ value: b, grad: f32(...g) }]);
  }
  assert.notEqual(a[0], b[0]);
  const lrs = grads.map(() => o.lr);
  assertClose(a, byHand([0], grads, lrs, o, false).x, 1e-6, "adabound");
  assertClose(b, byHand([0], grads, lrs, o, true).x, 1e-6, "amsbound");
});
