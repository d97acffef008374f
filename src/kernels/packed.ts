/**
 * The packed-inference kernels a backend may provide: products and thresholds on sign bits,
 * used by the packed model's runtime (src/export/runtime). A backend without them (the portable
 * one) leaves the runtime on its TypeScript forms, which give the same exact integers.
 */
import type { ChannelLayout, ConvGeometry } from "./kernels.js";

export interface PackedKernels {
  /**
   * Sign bits of rows x k floats into 64-bit words stored as little-endian Uint32 pairs,
   * 2 * ceil(k / 64) per row (bit set = negative or NaN; sign(0) = +1).
   */
  packSigns(rows: number, k: number, src: Float32Array, dst: Uint32Array): void;
  /** c[m x n] = sign(a) . sign(b)^T, exact, on rows packed by packSigns with the same k. */
  binaryGemmPacked(m: number, n: number, k: number, a: Uint32Array, b: Uint32Array, c: Float32Array): void;
  /**
   * The binary convolution of `Kernels.binaryConv2dForward` on packed signs: pixels
   * [N, H, W, ceil(C/32)] words, bit set = -1.
   */
  binaryConv2dPixels(pixels: Uint32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;
  /**
   * binaryConv2dPixels then thresholdPixels in one pass: each image's sums are thresholded
   * while in cache and only the signs are written, out [N, OH, OW, ceil(O/32)] words.
   */
  binaryConv2dThresholdPixels(
    pixels: Uint32Array,
    w: Float32Array,
    g: ConvGeometry,
    thresholds: Float32Array,
    flip: Uint8Array,
    out: Uint32Array,
  ): void;
  /**
   * -1 unless (x >= thresholds[c]) XOR flip[c], as rows of `rowWords` words per image in
   * flattened (C, spatial) order.
   */
  thresholdRows(
    x: Float32Array,
    l: ChannelLayout,
    thresholds: Float32Array,
    flip: Uint8Array,
    rowWords: number,
    out: Uint32Array,
  ): void;
  /** The same signs into the packed per-pixel layout of binaryConv2dPixels. */
  thresholdPixels(
    x: Float32Array,
    l: ChannelLayout,
    thresholds: Float32Array,
    flip: Uint8Array,
    out: Uint32Array,
  ): void;
}
