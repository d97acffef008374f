import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, backward, conv2d, dense, sign, sub } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { param } from "./gradcheck.js";

/** Sum of r * y as a scalar node, so that backward seeds dy = r. */
function weighted(y: Tensor, r: Float32Array): Tensor {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += r[i] * y.data[i];
  return Tensor.fromOp(new Float32Array([s]), [], [y], () => {
    const dy = y.gradBuffer();
    for (let i = 0; i < dy.length; i++) dy[i] += r[i];
  });
}

test("sign: +-1 forward (sign(0) = +1); straight-through backward where |x| <= 1", () => {
  const x = Tensor.from([-2, -1, -0.5, -0, 0, 0.5, 1, 1.5], [2, 4], true);
  const y = sign(x);
  assert.deepEqual([...y.data], [-1, -1, -1, 1, 1, 1, 1, 1]);
  const r = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  backward(weighted(y, r));
  assert.deepEqual([...(x.grad ?? [])], [0, 2, 3, 4, 5, 6, 7, 0]);
});

test("sign with a pseudo-gradient multiplies dy by it, and accumulates into an existing gradient", () => {
  const x = Tensor.from([-2, -0.5, 0.25, 3], [4], true);
  x.gradBuffer().fill(1);
  const y = sign(x, (v) => 10 * v);
  assert.deepEqual([...y.data], [-1, -1, 1, 1]);
  backward(weighted(y, Float32Array.from([1, 1, 2, 1])));
  assert.deepEqual([...(x.grad ?? [])], [1 - 20, 1 - 5, 1 + 5, 1 + 30]);
});

/** Random +-1 tensor that requires a gradient (as a sign quantizer's output would). */
function signs(shape: number[], rng: Rng): Tensor {
  const t = param(shape, rng);
  for (let i = 0; i < t.size; i++) t.data[i] = t.data[i] >= 0 ? 1 : -1;
  return t;
}

test("dense with binary operands: the XNOR forward equals the float product bit for bit, same gradients", () => {
  const rng = new Rng(5);
  for (const [batch, inF, outF] of [
    [3, 70, 5],
    [8, 64, 16],
    [1, 1, 1],
  ]) {
    const x = signs([batch, inF], rng);
    const w = signs([outF, inF], rng);
    const bias = param([outF], rng);
    const r = Float32Array.from({ length: batch * outF }, () => rng.uniform() - 0.5);
    const float = dense(x, w, bias);
    backward(weighted(float, r));
    const grads = [x, w, bias].map((t) => Float32Array.from(t.grad ?? []));
    [x, w, bias].forEach((t) => (t.grad = null));
    const binary = dense(x, w, bias, { binary: true });
    backward(weighted(binary, r));
    assert.deepEqual([...binary.data], [...float.data]);
    [x, w, bias].forEach((t, i) => assert.deepEqual([...(t.grad ?? [])], [...grads[i]]));
  }
});

test("conv2d with binary operands: the XNOR forward equals the float convolution (zero padding included)", () => {
  const rng = new Rng(6);
  const cases: [number[], number[], number, number][] = [
    [[2, 3, 6, 5], [4, 3, 3, 3], 1, 1],
    [[1, 33, 5, 5], [2, 33, 3, 3], 2, 2],
    [[2, 2, 4, 4], [3, 2, 1, 1], 1, 0],
  ];
  for (const [xs, ws, stride, padding] of cases) {
    const x = signs(xs, rng);
    const w = signs(ws, rng);
    const float = conv2d(x, w, null, { stride, padding });
    const binary = conv2d(x, w, null, { stride, padding, binary: true });
    assert.deepEqual([...binary.data], [...float.data], `x ${xs}, w ${ws}`);
    // The backward pass is the float one either way.
    const diff = sub(binary, float);
    backward(
      weighted(
        diff,
        Float32Array.from({ length: diff.size }, () => 1),
      ),
    );
    assert.ok((x.grad ?? []).every((g) => g === 0) && (w.grad ?? []).every((g) => g === 0));
  }
});
