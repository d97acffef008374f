/**
 * The reference BAMSProd step: docs/algorithm.md's lines 1-11, one line of code each, over one
 * tensor. It is slow (each line is its own loop over the tensor) and exists to be read against
 * the definition; the fast paths (bamsprodTypescript.ts, the backend's fused passes in
 * bamsprodFused.ts) are tested to give its bits exactly (test/optim/bamsprodReference.test.ts).
 *
 * Where the definition leaves the floating-point arithmetic open, this function fixes it the
 * way every optimizer here computes it (docs/algorithm.md, "Arithmetic"): values are float64,
 * stored arrays round to float32 on store, 1/bc2 is computed once and multiplied, lr/bc1 is
 * one factor, and the float64 sums run in the fixed order of {@link orderedSum}.
 */
import type { BamsprodConfig } from "./bamsprod.js";
import { orderedSum } from "./sums.js";
import type { TensorState } from "./types.js";

/** sign(0) = +1, as everywhere in the project. */
const sign = (v: number): number => (v >= 0 ? 1 : -1);

/** The per-tensor scalars of a step (lines 6-8), which the tests compare with the fast paths'. */
export interface ReferenceStatistics {
  quantError: number;
  target: number;
  lower: number;
  upper: number;
}

/**
 * One BAMSProd step (t counted from 1, learning rate lr) of tensor x with gradient g, updating
 * x and state.m, state.v, state.vmax in place; returns lines 6-8's scalars.
 */
export function bamsprodReferenceStep(
  x: Float32Array,
  g: Float32Array,
  binary: boolean,
  { m, v, vmax }: TensorState,
  o: Readonly<BamsprodConfig>,
  t: number,
  lr: number,
): ReferenceStatistics {
  const n = x.length;
  const { beta1, beta2, eps, gamma, lam, clip, weightDecay } = o;
  if (weightDecay > 0) for (let j = 0; j < n; j++) x[j] = x[j] * (1 - lr * weightDecay); // 1.
  for (let j = 0; j < n; j++) m[j] = beta1 * m[j] + (1 - beta1) * g[j]; // 2.
  for (let j = 0; j < n; j++) v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j]; // 3.
  for (let j = 0; j < n; j++) vmax[j] = Math.max(vmax[j], v[j]); // 4.
  const bc1 = 1 - beta1 ** t; // 5.
  const bc2 = 1 - beta2 ** t;
  const vt = (j: number): number => vmax[j] * (1 / bc2);
  let e = 0; // 6. (real tensor: e = 0)
  if (binary) {
    const a = orderedSum(n, (j) => Math.abs(x[j])) / n;
    e = orderedSum(n, (j) => Math.abs(x[j] - a * sign(x[j]))) / n / (a + 1e-12);
  }
  const c = (orderedSum(n, (j) => vmax[j]) / n) * (1 / bc2) * (1 + lam * e) ** 2; // 7. mean(vt) = mean(vmax) / bc2
  const cl = c * (1 - 1 / (gamma * t + 1)) ** 2; // 8.
  const cu = c > 0 ? c * (1 + 1 / (gamma * t)) ** 2 : 0; //    (c = 0: 0, not 0 * Infinity)
  for (let j = 0; j < n; j++) {
    const V = Math.min(Math.max(vt(j), cl), cu); // 9.
    x[j] = x[j] - ((lr / bc1) * m[j]) / (Math.sqrt(V) + eps); // 10.
  }
  if (binary && clip !== null) for (let j = 0; j < n; j++) x[j] = Math.min(Math.max(x[j], -clip), clip); // 11.
  return { quantError: e, target: c, lower: cl, upper: cu };
}
