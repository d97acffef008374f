import assert from "node:assert/strict";
import { test } from "node:test";
import { createOptimizer } from "../../src/optim/index.js";
import { assertClose, f32, stepLatentAndReal } from "./helpers.js";

test("adam: the first step is lr * g / (|g| + eps) (bias correction undoes the (1 - beta) factors)", () => {
  const lr = 0.1;
  const opt = createOptimizer("adam", { lr });
  const x = f32(1, -1, 0.5, 0);
  const g = [0.5, -2, 1e-3, 0];
  opt.step([{ value: x, grad: f32(...g) }]);
  // m1/bc1 = g and v1/bc2 = g*g, so the step is lr * g / (|g| + eps); a zero gradient moves nothing.
  const expected = [1, -1, 0.5, 0].map((x0, i) => x0 - (lr * g[i]) / (Math.abs(g[i]) + 1e-8));
  assertClose(x, expected, 1e-7, "x");
  assert.equal(x[3], 0);
});

/** Adam or AMSGrad over several steps, in float64, straight from the formulas. */
function byHand(
  x0: number[],
  grads: number[][],
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
  amsgrad: boolean,
): { x: number[]; vmaxDiffers: boolean } {
  const x = [...x0];
  const m = x.map(() => 0);
  const v = x.map(() => 0);
  const vmax = x.map(() => 0);
  let vmaxDiffers = false;
  grads.forEach((g, k) => {
    const t = k + 1;
    const bc1 = 1 - o.beta1 ** t;
    const bc2 = 1 - o.beta2 ** t;
    for (let i = 0; i < x.length; i++) {
      x[i] *= 1 - o.lr * o.weightDecay;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      if (vmax[i] !== v[i]) vmaxDiffers = true;
      const second = amsgrad ? vmax[i] : v[i];
      x[i] -= (o.lr * (m[i] / bc1)) / (Math.sqrt(second / bc2) + o.eps);
    }
  });
  return { x, vmaxDiffers };
}

// A large gradient followed by zeros makes v decay below its maximum: AMSGrad and Adam differ.
const grads = [
  [1, -0.5, 0.2],
  [0, 0.1, -0.3],
  [0.05, 0, 0.4],
];
const x0 = [0.3, -0.7, 0.1];

for (const name of ["adam", "amsgrad"] as const) {
  test(`${name}: three steps by hand, with bias correction and weight decay`, () => {
    const o = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 };
    const opt = createOptimizer(name, o);
    const x = f32(...x0);
    for (const g of grads) opt.step([{ value: x, grad: f32(...g) }]);
    const expected = byHand(x0, grads, o, name === "amsgrad");
    assert.ok(expected.vmaxDiffers, "the data must make vmax differ from v");
    assertClose(x, expected.x, 2e-6, "x after 3 steps");
  });

  test(`${name}: binary latent tensors are clipped into [-clip, clip], real ones are not`, () => {
    const opt = createOptimizer(name, { lr: 0.5, clip: 0.6 });
    const { latent, real } = stepLatentAndReal(opt, [0.5, -0.5, 0], [-1, 1, 1]);
    // First step: x - lr*sign(g) (|g| >> eps).
    assertClose(real, [1, -1, -0.5], 1e-6, "real");
    assertClose(latent, [0.6, -0.6, -0.5], 1e-6, "latent");
  });
}

test("adam and amsgrad differ only through vmax", () => {
  const o = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0 };
  const a = f32(...x0);
  const b = f32(...x0);
  const adam = createOptimizer("adam", o);
  const ams = createOptimizer("amsgrad", o);
  for (const g of grads) {
    adam.step([{ value: a, grad: f32(...g) }]);
    ams.step([{ value: b, grad: f32(...g) }]);
  }
  assert.notDeepEqual([...a], [...b]);
  const ad = byHand(x0, grads, o, false).x;
  const am = byHand(x0, grads, o, true).x;
  assertClose(a, ad, 2e-6, "adam");
  assertClose(b, am, 2e-6, "amsgrad");
});
