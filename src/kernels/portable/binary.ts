/**
 * Portable exact binary product: signs packed 32 per Uint32 word, then XOR + popcount.
 * For rows a_i and b_j of k signs, sum_k sign(a)*sign(b) = (k - d) - d = k - 2d where d is the
 * number of positions whose signs differ, i.e. popcount(a_i XOR b_j). Padding bits past k are
 * zero in both operands, so they never count as differences.
 */
import type { ConvGeometry } from "../kernels.js";
import { conv2dForward } from "./conv.js";
import { scratchFloat32, scratchUint32 } from "./scratch.js";
import { signForward } from "./sign.js";

/** c[m x n] = sum_k sign(a[i, k]) * sign(b[j, k]), sign(v) = +1 if v >= 0 else -1 (NaN: -1). */
export function binaryGemm(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  if (a.length < m * k || b.length < n * k || c.length < m * n) {
    throw new Error(
      `binaryGemm: arrays too short for m=${m}, n=${n}, k=${k}: ` +
        `a has ${a.length} (needs ${m * k}), b ${b.length} (needs ${n * k}), c ${c.length} (needs ${m * n})`,
    );
  }
  const words = Math.ceil(k / 32);
  const pa = scratchUint32("binary.a", m * words);
  const pb = scratchUint32("binary.b", n * words);
  packSigns(m, k, a, pa);
  packSigns(n, k, b, pb);
  for (let i = 0; i < m; i++) {
    const ao = i * words;
    for (let j = 0; j < n; j++) {
      const bo = j * words;
      let differ = 0;
      for (let w = 0; w < words; w++) differ += popcount32(pa[ao + w] ^ pb[bo + w]);
      c[i * n + j] = k - 2 * differ;
    }
  }
}

/**
 * Bit t of word w of row r is set when src[r*k + 32w + t] is negative (not >= 0, matching the
 * native kernel's sign convention); unused high bits of the last word are zero.
 */
export function packSigns(rows: number, k: number, src: Float32Array, dst: Uint32Array): void {
  const words = Math.ceil(k / 32);
  for (let r = 0; r < rows; r++) {
    const rowStart = r * k;
    for (let w = 0; w < words; w++) {
      const start = w * 32;
      const end = Math.min(k, start + 32);
      let bits = 0;
      for (let t = start; t < end; t++) {
        if (!(src[rowStart + t] >= 0)) bits |= 1 << (t - start);
      }
      dst[r * words + w] = bits >>> 0;
    }
  }
}

/** Population count of a 32-bit word (SWAR: no popcount instruction is reachable from JS). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Binary convolution: conv(sign(x), sign(w)) with zero padding (padded taps contribute 0). The
 * portable version binarizes both operands and runs the float convolution, which is exact here:
 * every partial sum is a small integer.
 */
export function binaryConv2dForward(
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
): void {
  const xLength = g.batch * g.inChannels * g.inHeight * g.inWidth;
  const wLength = g.outChannels * g.inChannels * g.kernelH * g.kernelW;
  if (x.length < xLength || w.length < wLength) {
    throw new Error(
      `binaryConv2dForward: x has ${x.length} (needs ${xLength}), w ${w.length} (needs ${wLength})`,
    );
  }
  const xs = scratchFloat32("binaryConv.x", xLength).subarray(0, xLength);
  const ws = scratchFloat32("binaryConv.w", wLength).subarray(0, wLength);
  signForward(x.subarray(0, xLength), xs);
  signForward(w.subarray(0, wLength), ws);
  conv2dForward(xs, ws, g, y);
}
