import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { naiveGemm, randomArray } from "./reference.js";

const { gemm } = portableKernels;

/**
 * Checks C = alpha op(A) op(B) + beta C0 element by element against a float64 reference, with a
 * bound of a few float32 roundings of the magnitudes involved (accumulation is in double).
 */
function checkGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
) {
  const rng = new Rng(m * 1000 + n * 10 + k);
  const a = randomArray(m * k, rng);
  const b = randomArray(k * n, rng);
  const c0 = randomArray(m * n, rng);
  const c = c0.slice();
  gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  const ref = naiveGemm(transA, transB, m, n, k, a, b);
  for (let i = 0; i < m * n; i++) {
    const want = alpha * ref.value[i] + beta * c0[i];
    const bound = 4e-7 * (Math.abs(alpha) * ref.magnitude[i] + Math.abs(beta * c0[i])) + 1e-12;
    assert.ok(
      Math.abs(c[i] - want) <= bound,
      `gemm(${transA}, ${transB}, ${m}, ${n}, ${k}) element ${i}: ${c[i]} vs ${want}`,
    );
  }
}

const variants: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

test("gemm, all four transpose variants, sizes crossing every block edge", () => {
  // 70 > MC=64 rows, 517 > NC=512 columns, 260 > KC=256 depth, none a multiple of the 4x4 tile.
  for (const [ta, tb] of variants) {
    checkGemm(ta, tb, 70, 517, 260, 1, 0);
    checkGemm(ta, tb, 5, 7, 3, 0.5, -1.5);
    checkGemm(ta, tb, 1, 1, 1, 2, 1);
    checkGemm(ta, tb, 9, 3, 17, -1, 1);
  }
});

test("gemm with beta = 0 ignores NaN in C; alpha = 0 or k = 0 only scales C", () => {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([1, 0, 0, 1]);
  const c = Float32Array.from([NaN, NaN, NaN, NaN]);
  gemm(false, false, 2, 2, 2, 1, a, b, 0, c);
  assert.deepEqual([...c], [1, 2, 3, 4]);
  gemm(false, false, 2, 2, 2, 0, a, b, 2, c);
  assert.deepEqual([...c], [2, 4, 6, 8]);
  gemm(false, false, 2, 2, 0, 1, a, b, 0.5, c);
  assert.deepEqual([...c], [1, 2, 3, 4]);
});

test("gemm works on subarray views and rejects arrays that are too short", () => {
  const big = Float32Array.from([9, 9, 1, 2, 3, 4, 9]);
  const c = new Float32Array(4);
  gemm(false, true, 2, 2, 2, 1, big.subarray(2, 6), big.subarray(2, 6), 0, c);
  assert.deepEqual([...c], [5, 11, 11, 25]);
  assert.throws(() => gemm(false, false, 2, 2, 2, 1, new Float32Array(3), big, 0, c), /too short/);
});
