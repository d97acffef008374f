/**
 * The tfjs quantizers: forward values and custom gradients against the formulas, evaluated
 * in float64, and a few hand-derived values.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BamsprodError } from "../../src/util/errors.js";
import {
  approxSign,
  getQuantizer,
  magnitudeAwareSign,
  quantizerNames,
  steSign,
  swishSign,
  SWISH_BETA,
  type Quantizer,
} from "../../src/tfjs/index.js";
import { assertAllClose, useBackend } from "./helpers.js";

before(useBackend);

const points = [-20, -2, -1.5, -1, -0.75, -0.3, -0.01, 0, 0.01, 0.3, 0.75, 1, 1.5, 2, 20];

/** Forward values and d/dx of sum(q(x) * dy) at `xs`, with dy = 1 + index/10 (not all ones). */
function run(q: Quantizer, xs: number[], shape = [xs.length]): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor(xs, shape);
    const dy = tf.tensor(
      xs.map((_, i) => 1 + i / 10),
      shape,
    );
    const y = q(x).dataSync() as Float32Array;
    const dx = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(q(t), dy)))(x)
      .dataSync() as Float32Array;
    return { y: Float32Array.from(y), dx: Float32Array.from(dx) };
  });
}

const sign = (x: number): number => (x >= 0 ? 1 : -1);
const dyAt = (i: number): number => 1 + i / 10;

test("sign quantizers output +-1 with sign(0) = +1", () => {
  const expected = points.map(sign);
  for (const q of [steSign, approxSign, swishSign]) assert.deepEqual([...run(q, points).y], expected);
});

test("ste_sign: the gradient passes where |x| <= 1 (including |x| = 1) and is 0 elsewhere", () => {
  const expected = points.map((x, i) => (Math.abs(x) <= 1 ? dyAt(i) : 0));
  assertAllClose(run(steSign, points).dx, expected, 1e-6, 1e-6, "ste_sign gradient");
});

test("approx_sign: gradient 2 - 2|x| inside [-1, 1], 0 outside", () => {
  const expected = points.map((x, i) => (Math.abs(x) <= 1 ? 2 - 2 * Math.abs(x) : 0) * dyAt(i));
  assertAllClose(run(approxSign, points).dx, expected, 1e-6, 1e-6, "approx_sign gradient");
  // Hand-derived: 2 at 0, 1 at +-0.5, 0 at +-1.
  const handDerived = [...run(approxSign, [0, 0.5, -0.5, 1, -1]).dx].map((v, i) => v / dyAt(i));
  assertAllClose(handDerived, [2, 1, 1, 0, 0], 1e-6, 0, "approx_sign at 0, +-0.5, +-1");
});

test("swish_sign: gradient beta (2 - beta x tanh(beta x / 2)) / (1 + cosh(beta x)), beta = 5", () => {
  const b = SWISH_BETA;
  const formula = (x: number): number => (b * (2 - b * x * Math.tanh((b * x) / 2))) / (1 + Math.cosh(b * x));
  const expected = points.map((x, i) => formula(x) * dyAt(i));
  // The float32 evaluation of cosh/tanh differs from float64 by a few ulps of the result.
  assertAllClose(run(swishSign, points).dx, expected, 1e-6, 1e-5, "swish_sign gradient");
  // Hand-derived: at x = 0 the gradient is beta * 2 / 2 = beta; far out it vanishes (no NaN).
  const { dx } = run(swishSign, [0, 1000, -1000]);
  assert.ok(Math.abs(dx[0] - 5) < 1e-6);
  assert.ok(Number.isFinite(dx[1]) && Math.abs(dx[1]) < 1e-30 && Number.isFinite(dx[2]));
  // Slightly negative beyond the peak (pushes saturated latent values back).
  assert.ok(run(swishSign, [0.5]).dx[0] < 0);
});

test("magnitude_aware_sign: sign(w) * per-output-channel mean|w|; gradient that scale where |w| <= 1", () => {
  // A dense kernel [in = 3, out = 2]: output channels are the columns.
  const w = [0.5, -2, -0.25, 1, 0, -0.5];
  const scale = [(0.5 + 0.25 + 0) / 3, (2 + 1 + 0.5) / 3];
  const { y, dx } = run(magnitudeAwareSign, w, [3, 2]);
  const expectedY = w.map((v, i) => sign(v) * scale[i % 2]);
  const expectedDx = w.map((v, i) => (Math.abs(v) <= 1 ? scale[i % 2] * dyAt(i) : 0));
  assertAllClose(y, expectedY, 1e-7, 1e-6, "forward");
  assertAllClose(dx, expectedDx, 1e-7, 1e-6, "gradient");
});

test("magnitude_aware_sign on a conv kernel [kh, kw, in, out] scales per filter", () => {
  const n = 2 * 2 * 3 * 4;
  const w = Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 1.3);
  const { y, dx } = run(magnitudeAwareSign, w, [2, 2, 3, 4]);
  for (let o = 0; o < 4; o++) {
    const channel = w.filter((_, i) => i % 4 === o);
    const s = channel.reduce((a, v) => a + Math.abs(v), 0) / channel.length;
    for (let i = o; i < n; i += 4) {
      assert.ok(Math.abs(y[i] - sign(w[i]) * s) < 1e-6, `forward [${i}]`);
      assert.ok(Math.abs(dx[i] - (Math.abs(w[i]) <= 1 ? s * dyAt(i) : 0)) < 1e-5, `gradient [${i}]`);
    }
  }
});

test("quantizers are found by snake_case and camelCase name; unknown names are BamsprodErrors", () => {
  assert.deepEqual([...quantizerNames], ["ste_sign", "approx_sign", "swish_sign", "magnitude_aware_sign"]);
  assert.equal(getQuantizer("ste_sign"), steSign);
  assert.equal(getQuantizer("magnitudeAwareSign"), magnitudeAwareSign); // as tfjs-layers reloads it
  assert.throws(() => getQuantizer("sign"), BamsprodError);
});
