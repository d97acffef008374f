/**
 * Bit-packed binary operands for callers that reuse them: a binary layer packs its weights
 * once per step and its inputs once per forward pass, then multiplies packed operands with
 * XNOR + popcount. (`Kernels.binaryGemm` packs both operands on every call.)
 */
import type { PackedKernels } from "../packed.js";

/** Signs of a rows x k row-major matrix, 64 per word (bit set = negative; sign(0) = +1). */
export interface PackedSigns {
  readonly rows: number;
  readonly k: number;
  /** 64-bit words as little-endian Uint32 pairs, 2 * ceil(k / 64) entries per row. */
  readonly words: Uint32Array;
}

/** Uint32 entries needed for `rows` rows of `k` signs. */
export function packedLength(rows: number, k: number): number {
  return rows * 2 * Math.ceil(k / 64);
}

/** Packs the signs of `src` (rows x k); reuses `into` when it has the right length. */
export function packSigns(
  packed: PackedKernels,
  rows: number,
  k: number,
  src: Float32Array,
  into?: PackedSigns,
): PackedSigns {
  const words =
    into !== undefined && into.words.length === packedLength(rows, k)
      ? into.words
      : new Uint32Array(packedLength(rows, k));
  packed.packSigns(rows, k, src, words);
  return { rows, k, words };
}

/** c[a.rows x b.rows] = sign(a) . sign(b)^T, exact (both operands packed with the same k). */
export function binaryGemmPacked(
  packed: PackedKernels,
  a: PackedSigns,
  b: PackedSigns,
  c: Float32Array,
): void {
  if (a.k !== b.k) throw new Error(`binaryGemmPacked: operands have k = ${a.k} and ${b.k}`);
  packed.binaryGemmPacked(a.rows, b.rows, a.k, a.words, b.words, c);
}
