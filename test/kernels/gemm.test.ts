import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends, describeNative } from "./backends.js";
import { U32, absArray, assertWithin, naiveGemm, randomArray } from "./helpers.js";
import type { Kernels } from "../../src/kernels/index.js";

/** transA, transB, m, n, k, alpha, beta. */
type GemmCall = [boolean, boolean, number, number, number, number, number];

/**
 * Checks C = alpha op(A) op(B) + beta C0 element by element against a float64 reference, with a
 * bound of a few float32 roundings of the magnitudes involved.
 */
function checkNaive(gemm: Kernels["gemm"], ...[transA, transB, m, n, k, alpha, beta]: GemmCall) {
  const rng = new Rng(m * 1000 + n * 10 + k);
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const c0 = randomArray(rng, m * n);
  const c = c0.slice();
  gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  const ref = naiveGemm(transA, transB, m, n, k, a, b);
  for (let i = 0; i < m * n; i++) {
    const want = alpha * ref.value[i] + beta * c0[i];
    // The portable kernels accumulate in double (4e-7: a few roundings); float32 accumulation
    // (native) has the dot-product bound 2 (k + 2) u.
    const scale = Math.max(4e-7, 2 * (k + 2) * U32);
    const bound = scale * (Math.abs(alpha) * ref.magnitude[i] + Math.abs(beta * c0[i])) + 1e-12;
    assert.ok(
      Math.abs(c[i] - want) <= bound,
      `gemm(${transA}, ${transB}, ${m}, ${n}, ${k}) element ${i}: ${c[i]} vs ${want}`,
    );
  }
}

// Tolerance: |got - portable| <= 2 (k + 2) u (|alpha| |op(A)| |op(B)| + |beta| |C|), the
// classic float32 dot-product bound with a factor 2 of slack (the portable product is in double).
function checkPortable(
  gemm: Kernels["gemm"],
  seed: number,
  ...[transA, transB, m, n, k, alpha, beta]: GemmCall
) {
  const rng = new Rng(seed);
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const c0 = randomArray(rng, m * n);
  const expected = c0.slice();
  portableKernels.gemm(transA, transB, m, n, k, alpha, a, b, beta, expected);
  const actual = c0.slice();
  gemm(transA, transB, m, n, k, alpha, a, b, beta, actual);
  const bound = absArray(c0);
  portableKernels.gemm(
    transA,
    transB,
    m,
    n,
    k,
    Math.abs(alpha),
    absArray(a),
    absArray(b),
    Math.abs(beta),
    bound,
  );
  const scale = 2 * (k + 2) * U32;
  assertWithin(
    actual,
    expected,
    bound.map((v) => scale * v + 1e-30),
    `gemm(${transA}, ${transB}, ${m}x${n}x${k})`,
  );
}

const variants: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describeBackends("gemm", (subject) => {
  const gemm: Kernels["gemm"] = (...args) => subject.backend().kernels.gemm(...args);

  test("all four transpose variants, sizes crossing every block edge, vs float64", () => {
    // 70 > MC=64 rows, 517 > NC=512 columns, 260 > KC=256 depth, none a multiple of the 4x4 tile.
    for (const [ta, tb] of variants) {
      checkNaive(gemm, ta, tb, 70, 517, 260, 1, 0);
      checkNaive(gemm, ta, tb, 5, 7, 3, 0.5, -1.5);
      checkNaive(gemm, ta, tb, 1, 1, 1, 2, 1);
      checkNaive(gemm, ta, tb, 9, 3, 17, -1, 1);
    }
  });

  test("products the native kernels cut into blocks (>= 2^22 multiply-adds, a side >= 512), vs float64", () => {
    // By columns (n >= m), by rows (m > n), with blocks that do not divide the side evenly.
    for (const [ta, tb] of variants) {
      checkNaive(gemm, ta, tb, 24, 700, 260, 1, 0);
      checkNaive(gemm, ta, tb, 530, 20, 400, -0.5, 0.75);
    }
  });

  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 5, 3],
    [33, 17, 65],
    [64, 130, 31],
    [3, 200, 257],
  ];
  for (const [transA, transB] of variants) {
    test(`transA=${transA} transB=${transB}, odd sizes, alpha/beta, vs portable`, () => {
      let seed = 1;
      for (const [m, n, k] of shapes) {
        checkPortable(gemm, seed++, transA, transB, m, n, k, 1, 0);
        checkPortable(gemm, seed++, transA, transB, m, n, k, -0.5, 1);
        checkPortable(gemm, seed++, transA, transB, m, n, k, 2, 0.25);
      }
    });
  }

  test("beta = 0 ignores NaN in C; alpha = 0 or k = 0 only scales C; m = 0 or n = 0 is a no-op", () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([1, 0, 0, 1]);
    const c = Float32Array.from([NaN, NaN, NaN, NaN]);
    gemm(false, false, 2, 2, 2, 1, a, b, 0, c);
    assert.deepEqual([...c], [1, 2, 3, 4]);
    gemm(false, false, 2, 2, 2, 0, a, b, 2, c);
    assert.deepEqual([...c], [2, 4, 6, 8]);
    gemm(false, false, 2, 2, 0, 1, a, b, 0.5, c);
    assert.deepEqual([...c], [1, 2, 3, 4]);
    const d = Float32Array.from([1, 2, 3, 4]);
    gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, d);
    assert.deepEqual([...d], [0.5, 1, 1.5, 2]);
    gemm(false, false, 0, 2, 3, 1, new Float32Array(0), new Float32Array(6), 0, new Float32Array(0));
  });

  test("works on subarray views", () => {
    const big = Float32Array.from([9, 9, 1, 2, 3, 4, 9]);
    const c = new Float32Array(4);
    gemm(false, true, 2, 2, 2, 1, big.subarray(2, 6), big.subarray(2, 6), 0, c);
    assert.deepEqual([...c], [5, 11, 11, 25]);
  });
});

// Each implementation's own argument checks (their messages differ).
test("portable gemm rejects arrays that are too short", () => {
  const big = Float32Array.from([9, 9, 1, 2, 3, 4, 9]);
  const c = new Float32Array(4);
  assert.throws(
    () => portableKernels.gemm(false, false, 2, 2, 2, 1, new Float32Array(3), big, 0, c),
    /too short/,
  );
});

describeNative("gemm thread counts", (native) => {
  test("the same bits at 1, 2 and 3 threads, cut into blocks or not", () => {
    const gemm = native.backend().kernels.gemm;
    const rng = new Rng(5);
    // bmlp's products at batch 128 (cut), a product too small to cut, and uneven blocks.
    const calls: GemmCall[] = [
      [false, false, 128, 512, 784, 1, 0],
      [true, false, 784, 512, 128, 1, 1],
      [false, true, 128, 784, 512, 1, 0],
      [false, false, 128, 10, 512, 1, 0],
      [false, true, 530, 20, 400, -0.5, 0.75],
    ];
    for (const [ta, tb, m, n, k, alpha, beta] of calls) {
      const a = randomArray(rng, m * k);
      const b = randomArray(rng, k * n);
      const c0 = randomArray(rng, m * n);
      const results = [1, 2, 3].map((threads) => {
        native.addon!.setThreads(threads);
        const c = c0.slice();
        gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
        return c;
      });
      native.addon!.setThreads(1);
      for (const c of results.slice(1)) {
        const differ = c.findIndex((v, i) => !Object.is(v, results[0][i]));
        assert.equal(differ, -1, `gemm(${ta}, ${tb}, ${m}x${n}x${k}) element ${differ} differs`);
      }
    }
  });
});

describeNative("gemm argument checks", (native) => {
  test("arrays too short or of the wrong type throw instead of reading past them", () => {
    const gemm = native.backend().kernels.gemm;
    assert.throws(
      () => gemm(false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4)),
      /a has 3 elements, needs 4/,
    );
    assert.throws(
      () =>
        gemm(
          false,
          false,
          2,
          2,
          2,
          1,
          new Float32Array(4),
          new Float64Array(4) as unknown as Float32Array,
          0,
          new Float32Array(4),
        ),
      /b must be a Float32Array/,
    );
  });
});
