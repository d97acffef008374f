import { test } from "node:test";
import assert from "node:assert/strict";
import { portableXnorProduct, rowWords, xnorDot } from "../../src/export/runtime/xnor.js";
import { packRows } from "../../src/export/runtime/dense.js";
import { getBackend, portableBackend, setBackend } from "../../src/kernels/index.js";
import { chooseBackend } from "../../src/kernels/select.js";
import { Rng } from "../../src/util/random.js";

/** Random sign flags (1 = -1) for rows x bits, and the naive +-1 dot products. */
function fixture(m: number, n: number, bits: number, seed: number) {
  const rng = new Rng(seed);
  const a = Uint8Array.from({ length: m * bits }, () => (rng.uniform() < 0.5 ? 1 : 0));
  const b = Uint8Array.from({ length: n * bits }, () => (rng.uniform() < 0.5 ? 1 : 0));
  const naive = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < bits; k++) s += (a[i * bits + k] ? -1 : 1) * (b[j * bits + k] ? -1 : 1);
      naive[i * n + j] = s;
    }
  }
  const words = rowWords(bits);
  return {
    words,
    a: packRows(a, m, bits, words),
    b: packRows(b, n, bits, words),
    naive,
    padding: 32 * words - bits,
  };
}

test("rowWords: 32 signs per word, an even number of words", () => {
  assert.deepEqual([1, 32, 33, 64, 65, 288, 576, 784].map(rowWords), [2, 2, 2, 2, 4, 10, 18, 26]);
});

test("portable XNOR/popcount product equals the naive +-1 dot products (odd sizes, padding bits)", () => {
  for (const [m, n, bits] of [
    [3, 5, 1],
    [7, 9, 33],
    [4, 10, 288],
    [2, 3, 784],
  ]) {
    const f = fixture(m, n, bits, m * 100 + bits);
    const c = new Float32Array(m * n);
    portableXnorProduct(m, n, f.words, f.a, f.b, c);
    assert.deepEqual(
      c.map((v) => v - f.padding),
      f.naive,
      `m=${m} n=${n} bits=${bits}`,
    );
  }
});

test("xnorDot: the exact +-1 dot products, padding bits taken off, portable and native", (t) => {
  const before = getBackend();
  const backends = [portableBackend];
  try {
    backends.push(chooseBackend({ BAMSPROD_KERNELS: "native", BAMSPROD_THREADS: "1" }).backend);
  } catch {
    t.diagnostic("native addon not built: portable only");
  }
  try {
    for (const backend of backends) {
      setBackend(backend);
      for (const [m, n, bits] of [
        [37, 19, 576],
        [5, 3, 33],
        [2, 7, 784],
      ]) {
        const f = fixture(m, n, bits, m + bits);
        const c = new Float32Array(m * n).fill(Number.NaN);
        xnorDot(m, n, bits, f.words, f.a, f.b, c);
        assert.deepEqual(c, f.naive, `${backend.name}: m=${m} n=${n} bits=${bits}`);
      }
    }
  } finally {
    setBackend(before);
  }
});
