import assert from "node:assert/strict";
import { test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import {
  Tensor,
  add,
  backward,
  mul,
  scale,
  sub,
  matmul,
  dense,
  addChannelBias,
} from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("add, sub, mul, scale match finite differences", () => {
  const rng = new Rng(3);
  const a = param([2, 3, 4], rng);
  const b = param([2, 3, 4], rng);
  checkGradients(() => add(a, b), [a, b]);
  checkGradients(() => sub(a, b), [a, b]);
  checkGradients(() => mul(a, b), [a, b]);
  checkGradients(() => scale(a, -2.5), [a]);
  // A residual connection: the input reaches the output along two paths.
  checkGradients(() => add(mul(a, b), a), [a, b]);
});

test("gradients accumulate: a tensor used twice, and backward run twice", () => {
  const x = Tensor.from([1, 2, 3], [3], true);
  const y = mul(x, x); // dy/dx = 2x
  const loss = Tensor.fromOp(new Float32Array([0]), [], [y], (out) => {
    const g = y.gradBuffer();
    for (let i = 0; i < g.length; i++) g[i] += out.grad === null ? 0 : out.grad[0];
  });
  backward(loss);
  assert.deepEqual([...(x.grad ?? [])], [2, 4, 6]);
  backward(loss);
  assert.deepEqual([...(x.grad ?? [])], [4, 8, 12]);
});

test("shape mismatches are reported as BamsprodError naming both shapes", () => {
  const a = Tensor.zeros([2, 3]);
  const b = Tensor.zeros([3, 2]);
  assert.throws(
    () => add(a, b),
    (e: unknown) => e instanceof BamsprodError && /\[2,3\].*\[3,2\]/.test(e.message),
  );
  assert.throws(() => matmul(a, a), BamsprodError);
  assert.throws(() => dense(a, Tensor.zeros([4, 2]), null), BamsprodError);
  assert.throws(() => addChannelBias(a, Tensor.zeros([2])), BamsprodError);
});

test("ops record no graph when no input requires a gradient", () => {
  const a = Tensor.from([1, 2], [2]);
  const y = add(a, a);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.parents.length, 0);
});
