import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { binaryGemmPacked, packSigns } from "../../src/kernels/native/index.js";
import { Rng } from "../../src/util/random.js";
import { addon, assertSame, coarseArray, native, randomArray, skip } from "./helpers.js";

// k around and away from the 64-bit word size (the last word's unused bits must never count),
// m and n odd and not multiples of the panels (8 columns AVX-512, 4 AVX2) or 4-row blocks,
// k = 2500 beyond the 31 words the AVX2 path counts in bytes before widening.
const sizes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 63],
  [9, 17, 64],
  [5, 9, 65],
  [17, 33, 127],
  [4, 8, 128],
  [13, 7, 200],
  [33, 41, 1000],
  [6, 9, 2500],
];

/** sum_k sign(a) sign(b) computed directly, sign(v) = +1 when v >= 0 (so -0 and 0 give +1). */
function reference(m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[i * k + p] >= 0 ? 1 : -1) * (b[j * k + p] >= 0 ? 1 : -1);
      c[i * n + j] = s;
    }
  return c;
}

/** The code paths this CPU can run, best first (the addon refuses the others). */
const paths =
  addon === null
    ? []
    : ["avx512-vpopcntdq", "avx2", "popcnt", "generic"].filter((p) => native().setBinaryPath(p));
const best = addon === null ? "" : paths[0];

describe("native binaryGemm (exact)", { skip }, () => {
  after(() => native().setBinaryPath(best));

  for (const path of paths) {
    test(`path ${path}: equals the direct sum and the portable kernel`, () => {
      assert.ok(native().setBinaryPath(path));
      assert.equal(native().info().binaryPath, path);
      let seed = 300;
      for (const [m, n, k] of sizes) {
        const rng = new Rng(seed++);
        // Coarse values put exact zeros and -0 in the operands: their sign is +1.
        const a = seed % 2 === 0 ? coarseArray(rng, m * k) : randomArray(rng, m * k);
        const b = coarseArray(rng, n * k);
        const expected = reference(m, n, k, a, b);
        const portable = new Float32Array(m * n);
        portableKernels.binaryGemm(m, n, k, a, b, portable);
        assertSame(portable, expected, `portable ${m}x${n}x${k}`);
        const actual = new Float32Array(m * n).fill(Number.NaN);
        native().binaryGemm(m, n, k, a, b, actual);
        assertSame(actual, expected, `native ${path} ${m}x${n}x${k}`);
      }
    });

    test(`path ${path}: bit set for negatives and NaN, clear for 0, -0 and positives; tail bits zero`, () => {
      assert.ok(native().setBinaryPath(path));
      const src = Float32Array.from([1, -1, 0, -0, Number.NaN, -Infinity, 2, -3]);
      const row = new Float32Array(70).fill(-1);
      row.set(src);
      const packed = packSigns(native(), 2, 35, row);
      // Row 0: the 8 values above, then 27 negatives (bits 8-34); row 1: 35 negatives.
      const low0 = (0b10110010 | (((1 << 24) - 1) << 8)) >>> 0;
      assert.deepEqual(Array.from(packed.words), [low0, 0b111, 2 ** 32 - 1, 0b111]);
    });
  }

  test("every path: all signs opposite over many words gives -k (no counter overflows)", () => {
    for (const path of paths) {
      assert.ok(native().setBinaryPath(path));
      const [m, n, k] = [5, 6, 64 * 70 + 3];
      const c = new Float32Array(m * n);
      native().binaryGemm(m, n, k, new Float32Array(m * k).fill(-1), new Float32Array(n * k).fill(1), c);
      assertSame(c, new Float32Array(m * n).fill(-k), `${path} opposite signs`);
    }
    native().setBinaryPath(best);
  });

  test("equals a float gemm of the +-1 signs on a layer-sized product", () => {
    native().setBinaryPath(best);
    const [m, n, k] = [128, 100, 784];
    const rng = new Rng(7);
    const a = randomArray(rng, m * k);
    const b = randomArray(rng, n * k);
    const signs = (v: Float32Array) => v.map((x) => (x >= 0 ? 1 : -1));
    const expected = new Float32Array(m * n);
    // Integer sums below 2^24 are exact in float32, so the float product is exact too.
    native().gemm(false, true, m, n, k, 1, signs(a), signs(b), 0, expected);
    const actual = new Float32Array(m * n);
    native().binaryGemm(m, n, k, a, b, actual);
    assertSame(actual, expected, "binary vs float");
  });

  test("packed operands: pack once, multiply many times, same result", () => {
    native().setBinaryPath(best);
    const [m, n, k] = [19, 23, 130];
    const rng = new Rng(8);
    const a = randomArray(rng, m * k);
    const b = randomArray(rng, n * k);
    const pa = packSigns(native(), m, k, a);
    const pb = packSigns(native(), n, k, b);
    assert.equal(pa.words.length, m * 2 * 3);
    const c = new Float32Array(m * n);
    binaryGemmPacked(native(), pa, pb, c);
    assertSame(c, reference(m, n, k, a, b), "packed product");
    // Re-packing into the same buffer reuses it.
    const again = packSigns(native(), m, k, b.subarray(0, m * k), pa);
    assert.equal(again.words, pa.words);
  });
});
