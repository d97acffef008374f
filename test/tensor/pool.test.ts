import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Tensor,
  avgPool2d,
  backward,
  maxPool2d,
  softmaxCrossEntropy,
  reshape,
} from "../../src/tensor/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, distinctValues, param } from "./gradcheck.js";

test("maxPool2d and avgPool2d on a hand example", () => {
  const x = Tensor.from([1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, 9, 0, 2, 3], [1, 1, 4, 4]);
  assert.deepEqual([...maxPool2d(x, { size: 2 }).data], [5, 8, 9, 3]);
  assert.deepEqual([...avgPool2d(x, { size: 2 }).data], [13 / 4, 11 / 4, 9 / 4, 7 / 4]);
  // Odd size drops the last row/column (floor), overlapping windows with stride 1.
  assert.deepEqual(maxPool2d(Tensor.zeros([2, 3, 5, 7]), { size: 2 }).shape, [2, 3, 2, 3]);
  assert.deepEqual(avgPool2d(Tensor.zeros([1, 1, 4, 4]), { size: 3, stride: 1 }).shape, [1, 1, 2, 2]);
});

test("maxPool2d matches finite differences (distinct values, overlapping windows)", () => {
  const rng = new Rng(31);
  const x = distinctValues([2, 2, 5, 7], rng);
  checkGradients(() => maxPool2d(x, { size: 2 }), [x]);
  checkGradients(() => maxPool2d(x, { size: 3, stride: 2 }), [x]);
});

test("avgPool2d matches finite differences", () => {
  const rng = new Rng(32);
  const x = param([2, 2, 5, 7], rng);
  checkGradients(() => avgPool2d(x, { size: 2 }), [x]);
  checkGradients(() => avgPool2d(x, { size: 3, stride: 2 }), [x]);
});

test("maxPool2d with ties sends the whole gradient to the first maximum", () => {
  const x = Tensor.from([7, 7, 7, 7, 1, 2, 2, 2], [1, 2, 2, 2], true);
  const y = maxPool2d(x, { size: 2 });
  assert.deepEqual([...y.data], [7, 2]);
  backward(softmaxCrossEntropy(reshape(y, [1, 2]), [0]));
  const p0 = 1 / (1 + Math.exp(2 - 7));
  const g = [...(x.grad ?? [])];
  assert.ok(Math.abs(g[0] - (p0 - 1)) < 1e-6);
  assert.deepEqual(g.slice(1, 4), [0, 0, 0]);
  assert.ok(Math.abs(g[5] - (1 - p0)) < 1e-6);
  assert.deepEqual([g[4], g[6], g[7]], [0, 0, 0]);
});

test("pooling rejects windows larger than the input and non-integer sizes", () => {
  const x = Tensor.zeros([1, 1, 2, 2]);
  assert.throws(() => maxPool2d(x, { size: 3 }), BamsprodError);
  assert.throws(() => avgPool2d(x, { size: 1.5 }), BamsprodError);
  assert.throws(() => maxPool2d(Tensor.zeros([4, 4]), { size: 2 }), BamsprodError);
});
