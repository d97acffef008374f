import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, flatten, mul, reshape } from "../../src/tensor/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("reshape infers -1, shares the data, and passes gradients through", () => {
  const rng = new Rng(41);
  const x = param([2, 3, 4], rng);
  const y = reshape(x, [-1, 4]);
  assert.deepEqual(y.shape, [6, 4]);
  assert.equal(y.data, x.data);
  const w = param([6, 4], rng);
  checkGradients(() => mul(reshape(x, [6, 4]), w), [x, w]);
});

test("flatten keeps the batch axis", () => {
  const rng = new Rng(42);
  const x = param([2, 3, 2, 2], rng);
  assert.deepEqual(flatten(x).shape, [2, 12]);
  const w = param([2, 12], rng);
  checkGradients(() => mul(flatten(x), w), [x, w]);
});

test("reshape rejects sizes that do not match", () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => reshape(x, [4, 2]), BamsprodError);
  assert.throws(() => reshape(x, [-1, 4]), BamsprodError);
  assert.throws(() => reshape(x, [-1, -1]), BamsprodError);
});
