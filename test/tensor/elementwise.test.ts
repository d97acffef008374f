import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, backward, elementwise, softmaxCrossEntropy, reshape } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("elementwise applies f and matches finite differences when df is the derivative", () => {
  const x = param([4, 3], new Rng(2), 2);
  const y = elementwise(
    x,
    (v) => v * v * v,
    (v) => 3 * v * v,
  );
  for (let i = 0; i < x.size; i++) assert.ok(Math.abs(y.data[i] - x.data[i] ** 3) < 1e-6);
  checkGradients(() => elementwise(x, Math.sin, Math.cos), [x]);
});

test("elementwise backward uses the custom pseudo-derivative (straight-through sign)", () => {
  const x = Tensor.from([-2, -1, -0.5, 0, 0.5, 1, 1.5], [1, 7], true);
  const sign = (v: number) => (v >= 0 ? 1 : -1);
  const ste = (v: number) => (Math.abs(v) <= 1 ? 1 : 0);
  const y = elementwise(x, sign, ste);
  assert.deepEqual([...y.data], [-1, -1, -1, 1, 1, 1, 1]);
  // Loss = cross-entropy over one row picks out a known output gradient dy = softmax - onehot.
  const loss = softmaxCrossEntropy(reshape(y, [1, 7]), [3]);
  backward(loss);
  const e = [...y.data].map(Math.exp);
  const z = e.reduce((s, v) => s + v, 0);
  const dy = e.map((v, k) => v / z - (k === 3 ? 1 : 0));
  const expected = dy.map((g, k) => g * ste(x.data[k]));
  assert.ok(x.grad !== null);
  x.grad.forEach((g, k) =>
    assert.ok(Math.abs(g - expected[k]) < 1e-6, `element ${k}: ${g} vs ${expected[k]}`),
  );
  assert.equal(x.grad[0], 0);
  assert.equal(x.grad[6], 0);
});
