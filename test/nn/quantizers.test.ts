import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor } from "../../src/tensor/tensor.js";
import { BamsprodError } from "../../src/util/errors.js";
import {
  approx_sign,
  getQuantizer,
  magnitude_aware_sign,
  quantizerNames,
  ste_sign,
  swish_sign,
  swishSignGradient,
  swishSignSmooth,
} from "../../src/nn/index.js";
import { assertClose, autogradOf, leaf } from "./helpers.js";

const points = [-2, -1.5, -1, -0.75, -0.3, -0.01, 0, 0.01, 0.3, 0.75, 1, 1.5, 2];

/** d/dx of sum(q(x) * 1): the pseudo-gradient at each point. */
function gradientAt(q: (t: Tensor) => Tensor, xs: number[]): Float32Array {
  const x = leaf(Float32Array.from(xs), [xs.length]);
  return autogradOf(() => q(x), [x], new Float32Array(xs.length).fill(1))[0];
}

test("sign quantizers binarize to +-1 with sign(0) = +1", () => {
  const expected = points.map((v) => (v >= 0 ? 1 : -1));
  for (const q of [ste_sign, approx_sign, swish_sign]) {
    assert.deepEqual([...q(Tensor.from(points, [points.length])).data], expected);
  }
});

test("ste_sign passes the gradient where |x| <= 1 and blocks it outside", () => {
  const expected = points.map((v) => (Math.abs(v) <= 1 ? 1 : 0));
  assert.deepEqual([...gradientAt(ste_sign, points)], expected);
});

test("approx_sign's gradient is the derivative of Bi-Real Net's 2x - x|x| (finite differences, off the kinks)", () => {
  // The smooth stand-in for sign: 2x - x|x| on [-1, 1], clamped to +-1 outside.
  const approx = (x: number): number => (x <= -1 ? -1 : x >= 1 ? 1 : 2 * x - x * Math.abs(x));
  const smooth = points.filter((v) => Math.abs(Math.abs(v) - 1) > 0.05 && v !== 0);
  const h = 1e-6;
  const fd = smooth.map((v) => (approx(v + h) - approx(v - h)) / (2 * h));
  assertClose(gradientAt(approx_sign, smooth), fd, 1e-5, 1e-5);
  // Hand values: 2 at 0, 0.5 at |x| = 0.75, 0 outside.
  assert.deepEqual([...gradientAt(approx_sign, [0, 0.75, -0.75, 1.5])], [2, 0.5, 0.5, 0]);
});

test("swish_sign's gradient is the derivative of SwishSign (finite differences), default beta 5", () => {
  for (const beta of [5, 2]) {
    const h = 1e-6;
    const fd = points.map((v) => (swishSignSmooth(v + h, beta) - swishSignSmooth(v - h, beta)) / (2 * h));
    const q = beta === 5 ? (t: Tensor) => swish_sign(t) : (t: Tensor) => swish_sign(t, beta);
    assertClose(gradientAt(q, points), fd, 1e-5, 1e-4);
  }
  // At 0 the derivative is 2 * beta * sigmoid'(0) * 2 = beta.
  assert.ok(Math.abs(swishSignGradient(0) - 5) < 1e-12);
  // The smooth function saturates at +-1 and is odd.
  assert.ok(Math.abs(swishSignSmooth(10) - 1) < 1e-6 && Math.abs(swishSignSmooth(-10) + 1) < 1e-6);
  assert.equal(swishSignGradient(1000), 0);
});

test("magnitude_aware_sign scales sign(w) by each output channel's mean |w|", () => {
  // Two output channels of a [2, 3] dense kernel.
  const w = leaf(Float32Array.of(0.5, -0.25, 0.75, -2, 1, 0), [2, 3]);
  const q = magnitude_aware_sign(w);
  const a0 = (0.5 + 0.25 + 0.75) / 3;
  const a1 = (2 + 1 + 0) / 3;
  assertClose(q.data, [a0, -a0, a0, -a1, a1, a1]);
  // Gradient: STE through sign scaled by alpha; alpha itself is not differentiated.
  const r = Float32Array.of(1, 2, 3, 4, 5, 6);
  const g = autogradOf(() => magnitude_aware_sign(w), [w], r)[0];
  assertClose(g, [a0 * 1, a0 * 2, a0 * 3, 0 /* |w| = 2 > 1 */, a1 * 5, a1 * 6]);
});

test("magnitude_aware_sign works per output channel of a conv kernel [O, C, KH, KW]", () => {
  const data = Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => (i % 3) - 1.2 + i * 0.01);
  const q = magnitude_aware_sign(Tensor.from(data, [2, 2, 2, 2]));
  for (let o = 0; o < 2; o++) {
    const block = data.subarray(o * 8, o * 8 + 8);
    const alpha = block.reduce((s, v) => s + Math.abs(v), 0) / 8;
    assertClose(
      q.data.subarray(o * 8, o * 8 + 8),
      Array.from(block, (v) => (v >= 0 ? alpha : -alpha)),
    );
  }
});

test("the quantizer registry resolves names and configs and rejects unknown names", () => {
  assert.deepEqual([...quantizerNames], ["ste_sign", "approx_sign", "swish_sign", "magnitude_aware_sign"]);
  for (const name of quantizerNames) assert.equal(getQuantizer(name).name, name);
  assert.deepEqual(getQuantizer("swish_sign").config(), { name: "swish_sign", beta: 5 });
  const q = getQuantizer({ name: "swish_sign", beta: 2 });
  const x = leaf(Float32Array.of(0.5), [1]);
  assertClose(autogradOf(() => q.apply(x), [x], Float32Array.of(1))[0], [swishSignGradient(0.5, 2)]);
  assert.equal(getQuantizer("magnitude_aware_sign").kernelOnly, true);
  assert.throws(
    () => getQuantizer("sign" as "ste_sign"),
    (e: Error) => e instanceof BamsprodError && /ste_sign/.test(e.message),
  );
  assert.throws(() => getQuantizer({ name: "swish_sign", beta: -1 }), BamsprodError);
});
