/**
 * Shared pieces of the native-kernel tests: the addon (or why the tests skip), seeded random
 * arrays, and comparisons with stated tolerances.
 */
import assert from "node:assert/strict";
import { loadAddon } from "../../src/kernels/native/addon.js";
import type { NativeAddon } from "../../src/kernels/native/addon.js";
import { Rng } from "../../src/util/random.js";

const load = loadAddon();

/** The addon, or null when it is not built. */
export const addon: NativeAddon | null = load.addon;

/** `skip` option of node:test: false when the addon is loaded, else the reason. */
export const skip: string | false = load.addon === null ? `native addon unavailable: ${load.reason}` : false;

/** The addon, for use inside tests that are skipped without it. */
export function native(): NativeAddon {
  if (addon === null) throw new Error("native addon not loaded");
  return addon;
}

/** Uniform values in [-1, 1), seeded. */
export function randomArray(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng.uniform() - 1;
  return out;
}

/** Values from a few levels (with exact zeros and -0), so maxima tie and signs hit 0. */
export function coarseArray(rng: Rng, n: number): Float32Array {
  const levels = [-1, -0.5, -0, 0, 0.5, 1];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = levels[rng.int(levels.length)];
  return out;
}

export function absArray(a: Float32Array): Float32Array {
  return a.map((v) => Math.abs(v));
}

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/**
 * |actual - expected| <= bound[i] for every i, where the caller derives `bound` from the
 * standard error bound of a float32 dot product of length k: gamma_k * sum |a||b|,
 * gamma_k ~ k * u (the reference accumulates in double, so its own error is negligible).
 */
export function assertWithin(
  actual: Float32Array,
  expected: Float32Array,
  bound: ArrayLike<number>,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= bound[i])) {
      assert.fail(
        `${what}: element ${i}: native ${actual[i]} vs portable ${expected[i]} (|diff| ${diff} > bound ${bound[i]})`,
      );
    }
  }
}

/** Bit-identical comparison (exact kernels). */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      assert.fail(`${what}: element ${i}: native ${actual[i]} vs expected ${expected[i]}`);
    }
  }
}
