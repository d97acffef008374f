/**
 * Central finite-difference gradient checking for the tensor ops (a helper module, not a test).
 *
 * The loss is L = sum_i r_i * y_i with fixed random weights r, summed in float64 from the op's
 * float32 outputs. Each input element is moved by +-eps; the difference quotient divides by the
 * perturbation actually stored in float32 (not the nominal 2*eps), so input rounding adds no
 * error, and only the outputs an element affects change between the two evaluations. With
 * O(1) values, eps = 1e-2 and the tolerances below, a wrong term in a backward pass (or a
 * derivative off by a few percent) fails the check: see the self-test in gradcheck.test.ts.
 */
import assert from "node:assert/strict";
import { Tensor, backward } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";

export interface GradcheckOptions {
  eps?: number;
  /** Allowed error relative to the finite-difference value. */
  rtol?: number;
  /** Allowed absolute error. */
  atol?: number;
  seed?: number;
}

/** Random values in [-1, 1) as a tensor that requires a gradient. */
export function param(shape: number[], rng: Rng, scale = 1): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = (rng.uniform() * 2 - 1) * scale;
  return new Tensor(data, shape, true);
}

/** sum_i r_i * y_i as a graph node (so backward seeds dy = r). */
function weightedSum(y: Tensor, r: Float64Array): Tensor {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += r[i] * y.data[i];
  return Tensor.fromOp(new Float32Array([s]), [], [y], (out) => {
    const g = out.grad === null ? 0 : out.grad[0];
    const dy = y.gradBuffer();
    for (let i = 0; i < dy.length; i++) dy[i] += g * r[i];
  });
}

function lossValue(y: Tensor, r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += r[i] * y.data[i];
  return s;
}

/**
 * The worst ratio |analytic - numeric| / (atol + rtol * |numeric|) over all elements of all
 * inputs that require a gradient (<= 1 means the check passes), with where it happened.
 */
export function gradientError(
  build: () => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): { ratio: number; where: string } {
  const { eps = 1e-2, rtol = 1e-2, atol = 1e-3, seed = 7 } = options;
  for (const t of inputs) t.grad = null;
  const y = build();
  const rng = new Rng(seed);
  const r = new Float64Array(y.size).map(() => rng.uniform() * 2 - 1);
  backward(weightedSum(y, r));
  let worst = { ratio: 0, where: "" };
  inputs.forEach((t, ti) => {
    if (!t.requiresGrad) return;
    const analytic = t.grad ?? new Float32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const hi = t.data[i];
      const lossHi = lossValue(build(), r);
      t.data[i] = orig - eps;
      const lo = t.data[i];
      const lossLo = lossValue(build(), r);
      t.data[i] = orig;
      const numeric = (lossHi - lossLo) / (hi - lo);
      const ratio = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
      if (ratio > worst.ratio) {
        worst = { ratio, where: `input ${ti} element ${i}: analytic ${analytic[i]}, numeric ${numeric}` };
      }
    }
  });
  return worst;
}

/** Asserts that the analytic gradients of `build` w.r.t. `inputs` match finite differences. */
export function checkGradients(build: () => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const { ratio, where } = gradientError(build, inputs, options);
  assert.ok(ratio <= 1, `gradient mismatch (${ratio.toFixed(2)}x tolerance) at ${where}`);
}

/** Values spaced at least `gap` apart in random order (no ties, no kinks within +-eps). */
export function distinctValues(shape: number[], rng: Rng, gap = 0.1): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const order = rng.shuffle(Array.from({ length: size }, (_, i) => i));
  const data = Float32Array.from(order, (v) => (v - size / 2) * gap);
  return new Tensor(data, shape, true);
}

/** Random values whose magnitude is at least `margin` (away from kinks at 0). */
export function awayFromZero(shape: number[], rng: Rng, margin = 0.1): Tensor {
  const t = param(shape, rng);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    t.data[i] = (v < 0 ? -1 : 1) * (margin + Math.abs(v));
  }
  return t;
}
