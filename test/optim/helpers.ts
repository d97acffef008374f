/** Small helpers shared by the optimizer tests. */
import assert from "node:assert/strict";
import type { Optimizer } from "../../src/optim/base.js";
import { Rng } from "../../src/util/random.js";

/** BAMSProd's defaults as spec/bamsprod.md states them, written out (not read from the code). */
export const specBamsprodDefaults = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  gamma: 1e-3,
  lam: 1,
  clip: 1,
  weightDecay: 0,
};

export const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

/** Asserts |actual[i] - expected[i]| <= tol for every i (float32 storage vs float64 by hand). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol;
    assert.ok(ok, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`);
  }
}

/** Asserts two arrays hold the same bits. */
export function assertSameBits(a: Float32Array, b: Float32Array, label: string): void {
  assert.equal(a.length, b.length, `${label}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${label}[${i}]: ${a[i]} vs ${b[i]} (bits differ)`);
  }
}

/** n values uniform in [-scale, scale). */
export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (2 * rng.uniform() - 1);
  return a;
}

/** Rounds like a Float32Array store. */
export const round32 = Math.fround;

/**
 * One step of `opt` on a binary (latent) tensor and a real one, both starting at `start`, with
 * the same gradient: the two tensors after it.
 */
export function stepLatentAndReal(
  opt: Optimizer,
  start: number[],
  grad: number[],
): { latent: Float32Array; real: Float32Array } {
  const latent = f32(...start);
  const real = f32(...start);
  const g = f32(...grad);
  opt.step([
    { value: latent, grad: g, binary: true },
    { value: real, grad: g },
  ]);
  return { latent, real };
}
