/**
 * Portable single-precision matrix product, cache-blocked in the GotoBLAS manner.
 *
 * op(A) and op(B) are copied ("packed") block by block into Float64Array panels: the packing
 * absorbs the four transpose variants, so one inner kernel serves them all, reads both operands
 * sequentially, and (Float64) spares V8 a float-to-double conversion per load. The inner kernel
 * keeps a 4 x 4 tile of C in local variables: 8 loads feed 16 multiply-adds, which is what makes
 * it several times faster than a plain triple loop in V8 (no SIMD is available to us).
 * Accumulation is in double precision, so results are at least as accurate as a float32 loop.
 */
import type { Kernels } from "../kernels.js";
import { scratchFloat64 } from "./scratch.js";

/** Rows of C per micro tile and columns of C per micro tile (the kernel below is 4 x 4). */
const MR = 4;
const NR = 4;
/** Depth of one packed block: an A panel (MR x KC) and a B panel (KC x NR) stay in L1. */
const KC = 256;
/** Rows of A per packed block (MC x KC doubles = 128 KiB, for L2). */
const MC = 64;
/** Columns of B per packed block (KC x NC doubles = 1 MiB, for L2/L3). */
const NC = 512;

/** C = alpha * op(A) * op(B) + beta * C; see {@link Kernels.gemm} for the layout. */
export const gemm: Kernels["gemm"] = function gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
  checkGemmArgs(m, n, k, a, b, c);
  scaleC(beta, c, m * n);
  if (alpha === 0 || k === 0 || m === 0 || n === 0) return;
  const packedA = scratchFloat64("gemm.a", MC * KC);
  const packedB = scratchFloat64("gemm.b", KC * roundUp(Math.min(NC, n), NR));
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(transB, b, n, k, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(transA, a, m, k, ic, mc, pc, kc, packedA);
        macroKernel(packedA, packedB, mc, nc, kc, alpha, c, ic, jc, n);
      }
    }
  }
};

function checkGemmArgs(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array) {
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new Error(
      `gemm: arrays too short for m=${m}, n=${n}, k=${k}: ` +
        `a has ${a.length} (needs ${m * k}), b ${b.length} (needs ${k * n}), c ${c.length} (needs ${m * n})`,
    );
  }
}

/** BLAS semantics: beta = 0 overwrites C without reading it (so NaN garbage in C is harmless). */
function scaleC(beta: number, c: Float32Array, count: number): void {
  if (beta === 1) return;
  if (beta === 0) {
    c.fill(0, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) c[i] *= beta;
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/**
 * Copies lines first..first+count of an operand (rows of op(A), or columns of op(B)) at depths
 * pc..pc+kc, element (line, p) at src[line * lineStride + p * depthStride], into panels of R
 * lines: a panel holds, for each depth p, its R lines' values side by side. Lines past
 * first+count are zero.
 */
function packPanels(
  src: Float32Array,
  lineStride: number,
  depthStride: number,
  first: number,
  count: number,
  pc: number,
  kc: number,
  R: number,
  out: Float64Array,
): void {
  let o = 0;
  for (let l0 = 0; l0 < count; l0 += R) {
    const lines = Math.min(R, count - l0);
    for (let r = 0; r < R; r++) {
      let dst = o + r;
      if (r >= lines) {
        for (let p = 0; p < kc; p++, dst += R) out[dst] = 0;
      } else {
        let at = (first + l0 + r) * lineStride + pc * depthStride;
        for (let p = 0; p < kc; p++, at += depthStride, dst += R) out[dst] = src[at];
      }
    }
    o += R * kc;
  }
}

/**
 * op(A)[ic : ic+mc, pc : pc+kc] in panels of MR rows. A is stored m x k (op(A)[i, p] =
 * a[i * k + p]), or k x m when transposed (a[p * m + i]).
 */
function packA(
  transA: boolean,
  a: Float32Array,
  m: number,
  k: number,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
  out: Float64Array,
): void {
  packPanels(a, transA ? 1 : k, transA ? m : 1, ic, mc, pc, kc, MR, out);
}

/**
 * op(B)[pc : pc+kc, jc : jc+nc] in panels of NR columns. B is stored k x n (op(B)[p, j] =
 * b[p * n + j]), or n x k when transposed (b[j * k + p]).
 */
function packB(
  transB: boolean,
  b: Float32Array,
  n: number,
  k: number,
  pc: number,
  kc: number,
  jc: number,
  nc: number,
  out: Float64Array,
): void {
  packPanels(b, transB ? k : 1, transB ? 1 : n, jc, nc, pc, kc, NR, out);
}

/** C[ic.., jc..] += alpha * (packed A block) * (packed B block), one 4 x 4 tile at a time. */
function macroKernel(
  pa: Float64Array,
  pb: Float64Array,
  mc: number,
  nc: number,
  kc: number,
  alpha: number,
  c: Float32Array,
  ic: number,
  jc: number,
  ldc: number,
): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = Math.min(MR, mc - i0);
      const cols = Math.min(NR, nc - j0);
      microKernel(pa, i0 * kc, pb, j0 * kc, kc, alpha, c, (ic + i0) * ldc + jc + j0, ldc, rows, cols);
    }
  }
}

/** Reused for the rare partial tiles at the right and bottom edges of C. */
const edgeTile = new Float64Array(MR * NR);

/**
 * The 4 x 4 register tile: 16 accumulators in locals. Written out by hand because V8 keeps
 * locals in registers but not array elements. (Laid out as a grid, hence prettier-ignore.)
 */
// prettier-ignore
function microKernel(
  pa: Float64Array,
  ao: number,
  pb: Float64Array,
  bo: number,
  kc: number,
  alpha: number,
  c: Float32Array,
  co: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ao += MR, bo += NR) {
    const a0 = pa[ao], a1 = pa[ao + 1], a2 = pa[ao + 2], a3 = pa[ao + 3];
    const b0 = pb[bo], b1 = pb[bo + 1], b2 = pb[bo + 2], b3 = pb[bo + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    c[co] += alpha * c00; c[co + 1] += alpha * c01; c[co + 2] += alpha * c02; c[co + 3] += alpha * c03;
    co += ldc;
    c[co] += alpha * c10; c[co + 1] += alpha * c11; c[co + 2] += alpha * c12; c[co + 3] += alpha * c13;
    co += ldc;
    c[co] += alpha * c20; c[co + 1] += alpha * c21; c[co + 2] += alpha * c22; c[co + 3] += alpha * c23;
    co += ldc;
    c[co] += alpha * c30; c[co + 1] += alpha * c31; c[co + 2] += alpha * c32; c[co + 3] += alpha * c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) c[co + r * ldc + q] += alpha * t[r * NR + q];
  }
}
