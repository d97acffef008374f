import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, add, conv2d } from "../../src/tensor/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("conv2d output shape follows floor((H + 2p - K) / s) + 1", () => {
  const x = Tensor.zeros([2, 3, 7, 6]);
  assert.deepEqual(
    conv2d(x, Tensor.zeros([4, 3, 3, 3]), null, { stride: 2, padding: 1 }).shape,
    [2, 4, 4, 3],
  );
  assert.deepEqual(
    conv2d(x, Tensor.zeros([4, 3, 3, 2]), null, { stride: [1, 2], padding: [0, 1] }).shape,
    [2, 4, 5, 4],
  );
  assert.deepEqual(conv2d(x, Tensor.zeros([5, 3, 1, 1]), null).shape, [2, 5, 7, 6]);
});

test("conv2d with a hand-computed 3x3 example, padding 1", () => {
  // One channel, 3x3 input 1..9, kernel of ones: each output sums its (zero-padded) neighbourhood.
  const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w = Tensor.from(new Array(9).fill(1), [1, 1, 3, 3]);
  const y = conv2d(x, w, Tensor.from([0.5], [1]), { padding: 1 });
  assert.deepEqual(
    [...y.data],
    [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v + 0.5),
  );
});

test("conv2d matches finite differences: stride 2, padding 1, non-square, batch 2, bias", () => {
  const rng = new Rng(11);
  const x = param([2, 3, 7, 6], rng);
  const w = param([4, 3, 3, 3], rng);
  const b = param([4], rng);
  checkGradients(() => conv2d(x, w, b, { stride: 2, padding: 1 }), [x, w, b]);
});

test("conv2d matches finite differences: rectangular kernel, per-axis stride and padding", () => {
  const rng = new Rng(12);
  const x = param([2, 2, 5, 6], rng);
  const w = param([3, 2, 2, 3], rng);
  checkGradients(() => conv2d(x, w, null, { stride: [2, 1], padding: [1, 0] }), [x, w]);
});

test("conv2d matches finite differences: 1x1 kernels, stride 1 (the pointwise shortcut)", () => {
  const rng = new Rng(13);
  const x = param([2, 3, 3, 4], rng);
  const w = param([2, 3, 1, 1], rng);
  checkGradients(() => conv2d(x, w, null), [x, w]);
});

test("conv2d accumulates the input gradient when the input feeds two convolutions", () => {
  const rng = new Rng(14);
  const x = param([1, 2, 5, 4], rng);
  const w1 = param([3, 2, 3, 3], rng);
  const w2 = param([3, 2, 3, 3], rng);
  const build = () => add(conv2d(x, w1, null, { padding: 1 }), conv2d(x, w2, null, { padding: 1 }));
  checkGradients(build, [x, w1, w2]);
});

test("conv2d rejects mismatched channels and kernels larger than the input", () => {
  const x = Tensor.zeros([1, 3, 4, 4]);
  assert.throws(() => conv2d(x, Tensor.zeros([2, 2, 3, 3]), null), BamsprodError);
  assert.throws(() => conv2d(x, Tensor.zeros([2, 3, 5, 5]), null), BamsprodError);
  assert.throws(() => conv2d(x, Tensor.zeros([2, 3, 3, 3]), null, { stride: 0 }), BamsprodError);
});
