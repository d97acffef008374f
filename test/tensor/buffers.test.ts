import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, backward, clearBufferPool, dense, scale, sign } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { param } from "./gradcheck.js";

/** sum(y) as a scalar node. */
function total(y: Tensor): Tensor {
  let s = 0;
  for (const v of y.data) s += v;
  return Tensor.fromOp(new Float32Array([s]), [], [y], () => {
    const dy = y.gradBuffer();
    for (let i = 0; i < dy.length; i++) dy[i] += 1;
  });
}

test("backward releases the gradients of intermediate results and keeps the leaves'", () => {
  const rng = new Rng(3);
  const x = param([4, 6], rng);
  const w = param([5, 6], rng);
  const h = sign(x);
  const y = dense(h, w, null);
  backward(total(scale(y, 2)));
  assert.equal(h.grad, null);
  assert.equal(y.grad, null);
  assert.ok(x.grad !== null && w.grad !== null);
});

test("recycled gradient buffers start from zero: repeated steps give identical gradients", () => {
  clearBufferPool();
  const rng = new Rng(4);
  const x = param([8, 16], rng);
  const w = param([3, 16], rng);
  const grads: Float32Array[] = [];
  for (let step = 0; step < 3; step++) {
    x.grad = null;
    w.grad = null;
    backward(total(scale(dense(sign(x), w, null), 0.5)));
    grads.push(Float32Array.from(w.grad ?? []), Float32Array.from(x.grad ?? []));
  }
  assert.deepEqual(grads[2], grads[0]);
  assert.deepEqual(grads[3], grads[1]);
  assert.deepEqual(grads[4], grads[0]);
  assert.deepEqual(grads[5], grads[1]);
});
