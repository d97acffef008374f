import assert from "node:assert/strict";
import { test } from "node:test";
import { createOptimizer } from "../../src/optim/index.js";
import { assertClose, f32 } from "./helpers.js";

test("bop: the first step binarizes real values and flips where |m| > threshold and sign(m) = sign(x)", () => {
  const gamma = 0.5;
  const threshold = 0.125;
  const opt = createOptimizer("bop", { gamma, threshold });
  const x = f32(0.3, -0.2, 0, -0, 0.7, -0.9, 0.4, 0, -0);
  const g = f32(1, -1, 0.5, 1, -1, 0.1, 0.25, 0, 0.1);
  opt.step([{ value: x, grad: g, binary: true }]);
  // m = gamma*g = [0.5, -0.5, 0.25, 0.5, -0.5, 0.05, 0.125, 0, 0.05]
  //  0.3: m +0.5 > 0.1, same sign  -> flip to -1
  // -0.2: m -0.5, same sign         -> flip to +1
  //  0:   sign(0) = +1, m +0.25     -> flip to -1
  // -0:   sign(-0) = +1, m +0.5     -> flip to -1
  //  0.7: m -0.5, opposite sign     -> keep, binarized to +1
  // -0.9: |m| 0.05 <= threshold     -> keep, -1
  //  0.4: |m| 0.125 not > threshold -> keep, +1
  //  0, -0 with |m| <= threshold     -> keep sign(0) = +1
  assert.deepEqual([...x], [-1, 1, -1, -1, 1, -1, 1, 1, 1]);
});

test("bop: the moving average accumulates over steps: m <- (1-gamma)*m + gamma*g", () => {
  const gamma = 0.25;
  const threshold = 0.2;
  const opt = createOptimizer("bop", { gamma, threshold });
  const x = f32(1, 1, -1);
  // Element 0: m1 = 0.25*0.5 = 0.125 (no flip), m2 = 0.75*0.125 + 0.25*0.5 = 0.21875 > 0.2: flip.
  // Element 1: m1 = 0.125, m2 = 0.75*0.125 - 0.25*0.5 = -0.03125: opposite sign, no flip.
  // Element 2: m1 = -0.25 (x -1, same sign, > 0.2): flips to +1 at step 1; m2 = -0.1875: no flip.
  opt.step([{ value: x, grad: f32(0.5, 0.5, -1), binary: true }]);
  assert.deepEqual([...x], [1, 1, 1]);
  opt.step([{ value: x, grad: f32(0.5, -0.5, -0), binary: true }]);
  assert.deepEqual([...x], [-1, 1, 1]);
  const state = opt.stateDict().tensors?.[0];
  assert.ok(state !== undefined);
  assert.deepEqual(Object.keys(state.state), ["m"]);
  const m = new Float32Array(Uint8Array.from(Buffer.from(state.state.m, "base64")).buffer);
  assertClose(m, [0.21875, -0.03125, -0.1875], 1e-8, "m");
});

test("bop: real tensors get Adam with Bop's lr, betas and eps, and no clip", () => {
  const lr = 0.5;
  const opt = createOptimizer("bop", { lr, gamma: 0.5 });
  const bn = f32(0.9, -0.9);
  const kernel = f32(0.3, -0.3);
  opt.step([
    { value: kernel, grad: f32(0.1, 0.1), binary: true },
    { value: bn, grad: f32(-2, 3) },
  ]);
  // Adam's first step: x - lr*g/(|g| + eps), here beyond +-1 (no clip on real tensors).
  assertClose(bn, [0.9 + 0.5, -0.9 - 0.5], 1e-6, "real tensor");
  assert.deepEqual([...kernel], [-1, -1]);
  const stateKeys = opt.stateDict().tensors?.map((t) => Object.keys(t.state));
  assert.deepEqual(stateKeys, [["m"], ["m", "v"]]);
});
