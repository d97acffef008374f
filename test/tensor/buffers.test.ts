import assert from "node:assert/strict";
import { test } from "node:test";
import { buildModel, modelNames } from "../../src/nn/index.js";
import { takeBuffer } from "../../src/tensor/buffers.js";
import {
  Tensor,
  backward,
  clearBufferPool,
  dense,
  dropout,
  maxPool2d,
  reshape,
  scale,
  sign,
  softmaxCrossEntropy,
} from "../../src/tensor/index.js";
import { releaseGraph } from "../../src/tensor/tensor.js";
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

test("releaseGraph hands each op output's buffer to the pool once and leaves the leaves alone", () => {
  clearBufferPool();
  const rng = new Rng(5);
  const x = param([4, 6], rng);
  const w = param([5, 6], rng);
  const wView = reshape(w, [30]); // an op output sharing a leaf's buffer
  const h = sign(x);
  const hView = reshape(h, [24]); // an op output sharing another's buffer
  const y = dense(reshape(hView, [4, 6]), reshape(wView, [5, 6]), null);
  const loss = total(scale(y, 2));
  backward(loss);
  const [xData, wData, hData, yData] = [x.data, w.data, h.data, y.data];
  const wValues = Float32Array.from(w.data);
  releaseGraph(loss);
  assert.equal(x.data, xData);
  assert.equal(w.data, wData);
  assert.equal(wView.data, wData, "a view of a leaf keeps its data");
  assert.deepEqual(w.data, wValues);
  for (const t of [h, hView, y, loss]) assert.equal(t.data.length, 0, "released outputs are left empty");
  // The pool now holds h's buffer once (not once per view) and y's, among the gradients.
  const takes = (size: number, data: Float32Array): number =>
    Array.from({ length: 10 }, () => takeBuffer(size, false)).filter((b) => b === data).length;
  assert.equal(takes(24, hData), 1);
  assert.equal(takes(20, yData), 1);
  releaseGraph(loss); // a second call finds nothing left to give
  assert.equal(takes(24, hData), 0);
});

test("releaseGraph hands back, once, the buffers an op saved for its backward pass", () => {
  clearBufferPool();
  const x = param([2, 3, 4, 4], new Rng(8));
  const y = maxPool2d(x, { size: 2 });
  const loss = total(y);
  assert.equal(y.saved.length, 1, "max pooling saves its argmax");
  const [argmax] = y.saved;
  backward(loss);
  const firstGrad = Float32Array.from(x.grad ?? []);
  backward(loss); // the saved indices survive a backward pass: a second one adds the same again
  assert.deepEqual(
    x.grad,
    firstGrad.map((v) => 2 * v),
  );
  releaseGraph(loss);
  assert.equal(y.saved.length, 0);
  const takes = (): number =>
    Array.from({ length: 10 }, () => takeBuffer(argmax.length, false)).filter((b) => b === argmax).length;
  assert.equal(takes(), 1);
  releaseGraph(loss);
  assert.equal(takes(), 0, "a second release gives nothing back");
});

test("dropout: a step on its released mask and output full of NaN gives the bits of a fresh one", () => {
  clearBufferPool();
  const x = param([3, 50], new Rng(9));
  const step = (): Float32Array[] => {
    x.grad = null;
    const y = dropout(x, 0.3, new Rng(10), true);
    const loss = total(scale(y, 3));
    backward(loss);
    const result = [Float32Array.from(y.data), Float32Array.from(x.grad ?? [])];
    const released = [y.data, ...y.saved];
    assert.equal(y.saved.length, 1, "dropout saves its mask");
    releaseGraph(loss);
    for (const data of released) data.fill(Number.NaN);
    return result;
  };
  const fresh = step();
  assert.ok(fresh[0].some((v) => v === 0) && fresh[0].some((v) => v !== 0));
  assert.deepEqual(step(), fresh);
});

/** Every tensor the graph of `root` computed (op outputs), by walking the parents. */
function opOutputs(root: Tensor): Tensor[] {
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const p of stack.pop()!.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return [...seen].filter((t) => t.backwardFn !== null);
}

for (const name of modelNames) {
  test(`${name}: a step on released buffers full of NaN gives the bits of a step on fresh ones`, () => {
    clearBufferPool();
    const model = buildModel(name, {
      inputShape: [3, 16, 16],
      classes: 3,
      seed: 2,
      width: 8,
      blocks: [1, 2],
    });
    const rng = new Rng(6);
    const x = new Tensor(
      Float32Array.from({ length: 4 * 3 * 16 * 16 }, () => Math.floor(rng.uniform() * 256)),
      [4, 3, 16, 16],
    );
    const labels = Int32Array.from([0, 2, 1, 2]);
    const params = model.parameters().map((p) => p.tensor);
    const step = (): Float32Array[] => {
      for (const p of params) p.grad = null;
      const loss = softmaxCrossEntropy(model.forward(x, { training: true, rng: new Rng(7) }), labels);
      backward(loss);
      const result = [Float32Array.from(loss.data), ...params.map((p) => Float32Array.from(p.grad ?? []))];
      const outputs = opOutputs(loss).flatMap((t) => [t.data, ...t.saved]);
      releaseGraph(loss);
      for (const data of outputs) data.fill(Number.NaN); // what the next step's ops take from the pool
      return result;
    };
    const fresh = step();
    const recycled = step();
    assert.ok(fresh.every((a) => a.every((v) => Number.isFinite(v))));
    assert.deepEqual(recycled, fresh);
  });
}
