/**
 * Shared pieces of the tfjs adapter tests: the backend, seeded random arrays, and comparisons
 * of float32 arrays.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { Rng } from "../../src/util/random.js";

/** The backend the tfjs tests run on: BAMSPROD_TFJS_BACKEND (cpu or wasm), cpu by default. */
export const backend = process.env.BAMSPROD_TFJS_BACKEND ?? "cpu";

/** Selects {@link backend} (wasm.test.ts reruns every tfjs test file on the WebAssembly one). */
export async function useBackend(): Promise<void> {
  if (backend !== "cpu" && backend !== "wasm")
    throw new Error(`BAMSPROD_TFJS_BACKEND: unknown backend ${backend}`);
  assert.ok(await tf.setBackend(backend), `tfjs backend ${backend} failed to initialize`);
  await tf.ready();
  assert.equal(tf.getBackend(), backend);
}

/** n normal values times `scale` from a seeded generator. */
export function normals(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

/** The largest |a[i] - b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "arrays of different lengths");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Asserts |actual - expected| <= atol + rtol*|expected| element-wise, naming the first failure. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    const limit = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${limit})`);
    }
  }
}

/** The values of every variable, copied out. */
export function snapshot(variables: readonly tf.Tensor[]): Float32Array[] {
  return variables.map((v) => v.dataSync() as Float32Array).map((a) => Float32Array.from(a));
}
