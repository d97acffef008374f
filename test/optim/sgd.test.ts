import assert from "node:assert/strict";
import { test } from "node:test";
import { createOptimizer } from "../../src/optim/index.js";
import { assertClose, f32, stepLatentAndReal } from "./helpers.js";

test("sgd: plain step x <- x - lr*g, no state", () => {
  const opt = createOptimizer("sgd", { lr: 0.1 });
  const x = f32(1, -2, 0.5);
  opt.step([{ value: x, grad: f32(0.5, -1, 2) }]);
  assertClose(x, [1 - 0.05, -2 + 0.1, 0.5 - 0.2], 1e-7, "x");
  assert.deepEqual(opt.stateDict().tensors?.[0].state, {});
  assert.equal(opt.stepCount, 1);
});

test("sgd: momentum by hand over three steps", () => {
  const lr = 0.1;
  const mu = 0.9;
  const opt = createOptimizer("sgd", { lr, momentum: mu });
  const x = f32(1, -1);
  const grads = [
    [0.5, 2],
    [-1, 1],
    [0.25, 0],
  ];
  // m1 = g1, m2 = mu*g1 + g2, m3 = mu*m2 + g3; x_t = x_{t-1} - lr*m_t.
  const m1 = grads[0];
  const m2 = m1.map((m, i) => mu * m + grads[1][i]);
  const m3 = m2.map((m, i) => mu * m + grads[2][i]);
  const expected = [1, -1].map((x0, i) => x0 - lr * m1[i] - lr * m2[i] - lr * m3[i]);
  for (const g of grads) opt.step([{ value: x, grad: f32(...g) }]);
  assertClose(x, expected, 1e-6, "x after 3 steps");
  assert.equal(opt.stepCount, 3);
});

test("sgd: decoupled weight decay and the clip of binary tensors", () => {
  const lr = 0.5;
  const opt = createOptimizer("sgd", { lr, weightDecay: 0.2, clip: 1 });
  const { latent, real } = stepLatentAndReal(opt, [0.9, -0.9, 0.3], [-1, 1, 0.1]);
  // x <- x*(1 - lr*wd) - lr*g = 0.9*0.9 + 0.5 = 1.31 -> clipped to 1 for the binary tensor.
  const free = [0.9 * 0.9 + 0.5, -0.9 * 0.9 - 0.5, 0.3 * 0.9 - 0.05];
  assertClose(real, free, 1e-6, "real tensor (never clipped)");
  assertClose(latent, [1, -1, free[2]], 1e-6, "binary tensor (clipped to [-1, 1])");
});

test("sgd: clip null leaves binary tensors unprojected", () => {
  const opt = createOptimizer("sgd", { lr: 1, clip: null });
  const x = f32(0.5);
  opt.step([{ value: x, grad: f32(-2), binary: true }]);
  assertClose(x, [2.5], 0, "x");
});
