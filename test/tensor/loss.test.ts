import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, softmaxCrossEntropy } from "../../src/tensor/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

/** The textbook formula in float64: mean over rows of -log(exp(l_y) / sum_k exp(l_k)). */
function directLoss(logits: Float32Array, labels: number[], classes: number): number {
  let total = 0;
  labels.forEach((y, n) => {
    let z = 0;
    for (let k = 0; k < classes; k++) z += Math.exp(logits[n * classes + k]);
    total += -Math.log(Math.exp(logits[n * classes + y]) / z);
  });
  return total / labels.length;
}

test("softmaxCrossEntropy equals the direct float64 formula", () => {
  const logits = param([5, 4], new Rng(61), 3);
  const labels = [0, 3, 1, 1, 2];
  const loss = softmaxCrossEntropy(logits, labels);
  assert.deepEqual(loss.shape, []);
  const expected = directLoss(logits.data, labels, 4);
  assert.ok(Math.abs(loss.item() - expected) < 1e-6 * Math.max(1, expected), `${loss.item()} vs ${expected}`);
});

test("softmaxCrossEntropy matches finite differences", () => {
  const logits = param([4, 5], new Rng(62), 2);
  checkGradients(() => softmaxCrossEntropy(logits, [4, 0, 2, 2]), [logits]);
});

test("softmaxCrossEntropy is stable for huge logits", () => {
  const logits = Tensor.from([1000, 0, -1000, 0, 1000, 1000], [2, 3], true);
  const loss = softmaxCrossEntropy(logits, [1, 1]);
  // Row 0: -log softmax picks 0 against 1000 -> 1000; row 1: ties 1000/1000 -> log 2.
  assert.ok(Math.abs(loss.item() - (1000 + Math.log(2)) / 2) < 1e-3);
  assert.ok(Number.isFinite(loss.item()));
});

test("softmaxCrossEntropy rejects labels outside the classes, and wrong counts", () => {
  const logits = Tensor.zeros([2, 3]);
  assert.throws(() => softmaxCrossEntropy(logits, [0, 3]), BamsprodError);
  assert.throws(() => softmaxCrossEntropy(logits, [0, 1.5]), BamsprodError);
  assert.throws(() => softmaxCrossEntropy(logits, [0]), BamsprodError);
});
