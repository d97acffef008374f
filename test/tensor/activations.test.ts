import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, hardtanh, prelu, relu } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { awayFromZero, checkGradients, param } from "./gradcheck.js";

test("relu and hardtanh values", () => {
  const x = Tensor.from([-2, -0.5, 0, 0.5, 2], [5]);
  assert.deepEqual([...relu(x).data], [0, 0, 0, 0.5, 2]);
  assert.deepEqual([...hardtanh(x).data], [-1, -0.5, 0, 0.5, 1]);
});

test("relu matches finite differences away from 0", () => {
  const x = awayFromZero([3, 7], new Rng(51));
  checkGradients(() => relu(x), [x]);
});

test("hardtanh matches finite differences away from +-1, inside and outside the clip", () => {
  const x = awayFromZero([3, 7], new Rng(52));
  for (let i = 0; i < x.size; i++) {
    // Spread values over (-2.5, 2.5) keeping at least 0.1 from the kinks at +-1.
    const v = x.data[i] * 2.2;
    x.data[i] = Math.abs(Math.abs(v) - 1) < 0.1 ? v + 0.3 : v;
  }
  checkGradients(() => hardtanh(x), [x]);
});

test("prelu: per-channel and shared slopes, values and finite differences", () => {
  const x = Tensor.from([-2, 3, -1, 4], [1, 2, 2]);
  assert.deepEqual([...prelu(x, Tensor.from([0.5, 0.25], [2])).data], [-1, 3, -0.25, 4]);
  const rng = new Rng(53);
  const x4 = awayFromZero([2, 3, 2, 2], rng);
  const alpha = param([3], rng);
  checkGradients(() => prelu(x4, alpha), [x4, alpha]);
  const shared = param([1], rng);
  checkGradients(() => prelu(x4, shared), [x4, shared]);
});
