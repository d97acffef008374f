import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, addChannelBias, dense, matmul } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("matmul computes a small product exactly and matches finite differences", () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
  assert.deepEqual([...matmul(a, b).data], [4, 5, 10, 11]);
  const rng = new Rng(4);
  const x = param([5, 7], rng);
  const w = param([7, 3], rng);
  checkGradients(() => matmul(x, w), [x, w]);
});

test("dense is x * w^T + bias with [out, in] weights, and matches finite differences", () => {
  const x = Tensor.from([1, 2, 3], [1, 3]);
  const w = Tensor.from([1, 1, 1, 0, 1, 0], [2, 3]);
  const b = Tensor.from([10, 20], [2]);
  assert.deepEqual([...dense(x, w, b).data], [16, 22]);
  const rng = new Rng(5);
  const xs = param([4, 6], rng);
  const ws = param([3, 6], rng);
  const bs = param([3], rng);
  checkGradients(() => dense(xs, ws, bs), [xs, ws, bs]);
  checkGradients(() => dense(xs, ws, null), [xs, ws]);
});

test("dense skips the input gradient when the input needs none", () => {
  const rng = new Rng(6);
  const x = param([2, 3], rng);
  x.requiresGrad = false;
  const w = param([4, 3], rng);
  checkGradients(() => dense(x, w, null), [x, w]);
  assert.equal(x.grad, null);
});

test("addChannelBias adds per channel on [N, C] and [N, C, H, W]", () => {
  const rng = new Rng(7);
  const x4 = param([2, 3, 2, 4], rng);
  const b = param([3], rng);
  const y = addChannelBias(x4, b);
  assert.ok(Math.abs(y.data[8 + 5] - (x4.data[8 + 5] + b.data[1])) < 1e-7);
  checkGradients(() => addChannelBias(x4, b), [x4, b]);
  const x2 = param([5, 3], rng);
  checkGradients(() => addChannelBias(x2, b), [x2, b]);
});
