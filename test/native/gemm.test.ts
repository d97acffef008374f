import { describe, test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { U32, absArray, assertWithin, native, randomArray, skip } from "./helpers.js";

// Tolerance: |native - portable| <= 2 (k + 2) u (|alpha| |op(A)| |op(B)| + |beta| |C|), the
// classic float32 dot-product bound with a factor 2 of slack (the portable product is in double).
function check(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  seed: number,
) {
  const rng = new Rng(seed);
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const c0 = randomArray(rng, m * n);
  const expected = c0.slice();
  portableKernels.gemm(transA, transB, m, n, k, alpha, a, b, beta, expected);
  const actual = c0.slice();
  native().gemm(transA, transB, m, n, k, alpha, a, b, beta, actual);
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

describe("native gemm vs portable", { skip }, () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 5, 3],
    [33, 17, 65],
    [64, 130, 31],
    [3, 200, 257],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      test(`transA=${transA} transB=${transB}, odd sizes, alpha/beta`, () => {
        let seed = 1;
        for (const [m, n, k] of shapes) {
          check(transA, transB, m, n, k, 1, 0, seed++);
          check(transA, transB, m, n, k, -0.5, 1, seed++);
          check(transA, transB, m, n, k, 2, 0.25, seed++);
        }
      });
    }
  }

  test("k = 0 scales C by beta; m = 0 or n = 0 is a no-op", () => {
    const c = Float32Array.from([1, 2, 3, 4]);
    native().gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, c);
    assertWithin(c, Float32Array.from([0.5, 1, 1.5, 2]), [0, 0, 0, 0], "k = 0");
    native().gemm(false, false, 0, 2, 3, 1, new Float32Array(0), new Float32Array(6), 0, new Float32Array(0));
  });

  test("arrays too short throw instead of reading past them", async () => {
    const { throws } = await import("node:assert/strict");
    throws(
      () =>
        native().gemm(
          false,
          false,
          2,
          2,
          2,
          1,
          new Float32Array(3),
          new Float32Array(4),
          0,
          new Float32Array(4),
        ),
      /a has 3 elements, needs 4/,
    );
    throws(
      () =>
        native().gemm(
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
