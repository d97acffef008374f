import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { binaryGemmPacked, packSigns } from "../../src/kernels/native/binary.js";
import { popcount32 } from "../../src/kernels/portable/binary.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends } from "./backends.js";
import { assertSame, coarseArray, randomArray } from "./helpers.js";

const sign = (v: number) => (v >= 0 ? 1 : -1);

// k around and away from the 64-bit word size (the last word's unused bits must never count),
// m and n odd and not multiples of the panels (8 columns AVX-512, 4 AVX2) or 4-row blocks,
// k = 2500 beyond the runs the AVX2 path counts in bytes before widening; 67 x 130 for AVX2's
// odd last row pair, its 32-pair row tiles and its 4-, 2- and 1-vector column blocks (32 lanes).
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
  [67, 130, 300],
  [3, 200, 70],
  [32, 1, 31], // the fewest rows the AVX2 path takes (fewer take POPCNT)
  [40, 33, 129],
];

/** sum_k sign(a) sign(b) computed directly, sign(v) = +1 when v >= 0 (so -0 and 0 give +1). */
function reference(m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += sign(a[i * k + p]) * sign(b[j * k + p]);
      c[i * n + j] = s;
    }
  return c;
}

test("popcount32 counts bits of unsigned and sign-bit words", () => {
  assert.equal(popcount32(0), 0);
  assert.equal(popcount32(0xffffffff), 32);
  assert.equal(popcount32(0x80000001), 2);
  assert.equal(popcount32(-1), 32);
  assert.equal(popcount32(0x12345678), 13);
});

describeBackends("binaryGemm (exact)", (subject) => {
  const k = () => subject.backend().kernels;

  test("runs on the subject's dispatch path", () => {
    assert.equal(subject.currentPath(), subject.path);
  });

  test("equals the float product of signs, k not a multiple of 32", () => {
    for (const depth of [1, 5, 31, 32, 33, 63, 64, 100]) {
      const rng = new Rng(depth);
      const [m, n] = [3, 5];
      const a = randomArray(rng, m * depth);
      const b = randomArray(rng, n * depth);
      a[0] = 0; // sign(0) = +1
      b[depth - 1] = -0; // -0 >= 0, so also +1
      const c = new Float32Array(m * n).fill(NaN);
      k().binaryGemm(m, n, depth, a, b, c);
      assertSame(c, reference(m, n, depth, a, b), `k=${depth}`);
    }
  });

  test("equals the direct sum and the portable kernel, zeros and -0 included", () => {
    let seed = 300;
    for (const [m, n, depth] of sizes) {
      const rng = new Rng(seed++);
      // Coarse values put exact zeros and -0 in the operands: their sign is +1.
      const a = seed % 2 === 0 ? coarseArray(rng, m * depth) : randomArray(rng, m * depth);
      const b = coarseArray(rng, n * depth);
      const expected = reference(m, n, depth, a, b);
      const portable = new Float32Array(m * n);
      portableKernels.binaryGemm(m, n, depth, a, b, portable);
      assertSame(portable, expected, `portable ${m}x${n}x${depth}`);
      const actual = new Float32Array(m * n).fill(Number.NaN);
      k().binaryGemm(m, n, depth, a, b, actual);
      assertSame(actual, expected, `${subject.label} ${m}x${n}x${depth}`);
    }
  });

  test("all signs opposite over many words gives -k (no counter overflows)", () => {
    const [m, n, depth] = [5, 6, 64 * 70 + 3];
    const c = new Float32Array(m * n);
    k().binaryGemm(m, n, depth, new Float32Array(m * depth).fill(-1), new Float32Array(n * depth).fill(1), c);
    assertSame(c, new Float32Array(m * n).fill(-depth), `${subject.label} opposite signs`);
  });

  test("equals a float gemm of the +-1 signs on a layer-sized product", () => {
    const [m, n, depth] = [128, 100, 784];
    const rng = new Rng(7);
    const a = randomArray(rng, m * depth);
    const b = randomArray(rng, n * depth);
    const signs = (v: Float32Array) => v.map(sign);
    const expected = new Float32Array(m * n);
    // Integer sums below 2^24 are exact in float32, so the float product is exact too.
    k().gemm(false, true, m, n, depth, 1, signs(a), signs(b), 0, expected);
    const actual = new Float32Array(m * n);
    k().binaryGemm(m, n, depth, a, b, actual);
    assertSame(actual, expected, "binary vs float");
  });
});

describeBackends(
  "packed signs (packSigns, binaryGemmPacked)",
  (subject) => {
    const packed = () => subject.backend().packed!;

    test("bit set for negatives and NaN, clear for 0, -0 and positives; tail bits zero", () => {
      const src = Float32Array.from([1, -1, 0, -0, Number.NaN, -Infinity, 2, -3]);
      const row = new Float32Array(70).fill(-1);
      row.set(src);
      const words = packSigns(packed(), 2, 35, row);
      // Row 0: the 8 values above, then 27 negatives (bits 8-34); row 1: 35 negatives.
      const low0 = (0b10110010 | (((1 << 24) - 1) << 8)) >>> 0;
      assert.deepEqual(Array.from(words.words), [low0, 0b111, 2 ** 32 - 1, 0b111]);
    });

    test("pack once, multiply many times, same result", () => {
      const [m, n, depth] = [19, 23, 130];
      const rng = new Rng(8);
      const a = randomArray(rng, m * depth);
      const b = randomArray(rng, n * depth);
      const pa = packSigns(packed(), m, depth, a);
      const pb = packSigns(packed(), n, depth, b);
      assert.equal(pa.words.length, m * 2 * 3);
      const c = new Float32Array(m * n);
      binaryGemmPacked(packed(), pa, pb, c);
      assertSame(c, reference(m, n, depth, a, b), "packed product");
      // Re-packing into the same buffer reuses it.
      const again = packSigns(packed(), m, depth, b.subarray(0, m * depth), pa);
      assert.equal(again.words, pa.words);
    });
  },
  (s) => s.skip !== false || s.backend().packed !== null,
);
