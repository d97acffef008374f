/**
 * The binary product of packed inference. Rows are sign bits packed 32 per Uint32 (bit set =
 * -1), `words` per row, an even count so that the same rows are also 64-bit words for the
 * native addon. For +-1 rows a and b, sum a*b = matches - mismatches = 32*words - 2 *
 * popcount(a XOR b): bits past the real length are 0 in both operands and count as matches,
 * which the callers subtract.
 */
import { getBackend } from "../../kernels/backend.js";
import type { PackedKernels } from "../../kernels/packed.js";

/** Population count of each 16-bit value: two lookups per word beat the SWAR formula in V8. */
const POPCOUNT16 = buildPopcount16();

function buildPopcount16(): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) table[i] = (i & 1) + table[i >> 1];
  return table;
}

/** Words per row for `bits` signs: ceil(bits / 32) rounded up to even. */
export function rowWords(bits: number): number {
  const words = Math.ceil(bits / 32);
  return words + (words & 1);
}

/** The packed kernels of the backend in use, or null: the TypeScript forms below then run. */
export function packedKernels(): PackedKernels | null {
  return getBackend().packed;
}

/**
 * c[i * n + j] = bits - 2 * popcount(a_i XOR b_j): the exact +-1 dot product of rows holding
 * `bits` signs each (the padding bits, 0 in both operands, taken off).
 */
export function xnorDot(
  m: number,
  n: number,
  bits: number,
  words: number,
  a: Uint32Array,
  b: Uint32Array,
  c: Float32Array,
): void {
  if (m === 0 || n === 0) return;
  const packed = packedKernels();
  if (packed !== null) {
    // The packed kernels' rows are ceil(bits / 64) 64-bit words: the same `words` Uint32s.
    packed.binaryGemmPacked(m, n, bits, a, b, c);
    return;
  }
  portableXnorProduct(m, n, words, a, b, c);
  const padding = 32 * words - bits;
  for (let i = 0; i < m * n; i++) c[i] -= padding;
}

/** The TypeScript product: two columns at a time, so each row word is loaded once per pair. */
export function portableXnorProduct(
  m: number,
  n: number,
  words: number,
  a: Uint32Array,
  b: Uint32Array,
  c: Float32Array,
): void {
  const t = POPCOUNT16;
  const k = 32 * words;
  for (let i = 0; i < m; i++) {
    const ao = i * words;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const b0 = j * words;
      const b1 = b0 + words;
      let d0 = 0;
      let d1 = 0;
      for (let w = 0; w < words; w++) {
        const av = a[ao + w];
        const x0 = av ^ b[b0 + w];
        const x1 = av ^ b[b1 + w];
        d0 += t[x0 & 0xffff] + t[x0 >>> 16];
        d1 += t[x1 & 0xffff] + t[x1 >>> 16];
      }
      c[i * n + j] = k - 2 * d0;
      c[i * n + j + 1] = k - 2 * d1;
    }
    for (; j < n; j++) {
      const bo = j * words;
      let d = 0;
      for (let w = 0; w < words; w++) {
        const x = a[ao + w] ^ b[bo + w];
        d += t[x & 0xffff] + t[x >>> 16];
      }
      c[i * n + j] = k - 2 * d;
    }
  }
}
