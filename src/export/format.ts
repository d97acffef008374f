/**
 * The in-memory form of a packed binary model (`.bnn`, see docs/format.md): a list of
 * inference layers whose arithmetic is fully specified, so that a file means one function.
 * `compileModel` produces it from a trained model, `encodePacked` / `decodePacked` convert it
 * to and from bytes, `loadPacked` runs it and `exportOnnx` translates it.
 */
import type { ConvWindow } from "../kernels/kernels.js";

/** A kernel of +-1 weights at 1 bit each, or a real-valued kernel. */
export type PackedKernel =
  /** Bit i of byte floor(i / 8), LSB first, is set when weight i is -1 (sign(0) = +1). */
  { kind: "bits"; bits: Uint8Array } | { kind: "float"; values: Float32Array };

/** y = fround(x * scale[c] + offset[c]), computed in double then rounded to float32. */
export interface RescaleLayer {
  type: "rescale";
  scale: Float32Array;
  offset: Float32Array;
}

/** [C, H, W] -> [C * H * W] in row-major (NCHW) order. */
export interface FlattenLayer {
  type: "flatten";
}

/**
 * y[o] = sum_i q(x[i]) * w[o, i], w stored [out, in]. `binaryInput`: q = sign (sign(0) = +1),
 * else q = identity.
 */
export interface DenseLayer {
  type: "dense";
  inFeatures: number;
  outFeatures: number;
  binaryInput: boolean;
  kernel: PackedKernel;
}

/** Cross-correlation of q(x) with w [O, C, KH, KW], zero padding (padded taps contribute 0). */
export interface Conv2DLayer extends ConvWindow {
  type: "conv2d";
  binaryInput: boolean;
  kernel: PackedKernel;
}

/** y = fround(x + bias[c]) per channel c (axis 1). */
export interface BiasLayer {
  type: "bias";
  values: Float32Array;
}

/** Maximum over size x size windows every `stride` pixels, no padding. */
export interface MaxPool2DLayer {
  type: "max_pool2d";
  size: number;
  stride: number;
}

/**
 * Batch-norm followed by a sign, folded: y = +1 when (x >= thresholds[c]) XOR flip[c], else
 * -1. The comparison is in float32 (x and the thresholds are float32 values).
 */
export interface ThresholdLayer {
  type: "threshold";
  thresholds: Float32Array;
  /** 0 or 1 per channel; 1 where batch-norm's scale is negative (or the output is constant +1). */
  flip: Uint8Array;
}

/** Batch-norm kept in float: y = fround(x * scale[c] + shift[c]), computed in double. */
export interface ScaleShiftLayer {
  type: "scale_shift";
  scale: Float64Array;
  shift: Float64Array;
}

/** Mean over size x size windows every `stride` pixels, no padding: the engine's float kernel. */
export interface AvgPool2DLayer {
  type: "avg_pool2d";
  size: number;
  stride: number;
}

/**
 * ReActNet's RPReLU, each step rounded to float32: u = fround(x - shiftIn[c]);
 * y = fround((u > 0 ? u : fround(alpha[c] * u)) + shiftOut[c]).
 */
export interface RPReLULayer {
  type: "rprelu";
  shiftIn: Float32Array;
  alpha: Float32Array;
  shiftOut: Float32Array;
}

/**
 * A residual block: y = fround(body(x) + shortcut(x)), both lists run on the block's input
 * (an empty shortcut is the identity). The real-valued stream of Bi-Real Net and ReActNet.
 */
export interface ResidualLayer {
  type: "residual";
  body: PackedLayer[];
  shortcut: PackedLayer[];
}

export type PackedLayer =
  | RescaleLayer
  | FlattenLayer
  | DenseLayer
  | Conv2DLayer
  | BiasLayer
  | MaxPool2DLayer
  | ThresholdLayer
  | ScaleShiftLayer
  | AvgPool2DLayer
  | RPReLULayer
  | ResidualLayer;

export type PackedLayerType = PackedLayer["type"];

/** A packed model: raw pixels [C, H, W] in, `classes` logits out. */
export interface PackedSpec {
  inputShape: [number, number, number];
  classes: number;
  /** Free-form JSON description (model name, where it came from); not used for inference. */
  info: Record<string, unknown>;
  layers: PackedLayer[];
}

/** First 8 bytes of every .bnn file (PNG-style: a non-ASCII byte, a name, CR LF, ^Z, LF). */
export const PACKED_MAGIC = Uint8Array.of(0x89, 0x42, 0x4e, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a);
/** The format version this library writes and reads. */
export const PACKED_VERSION = 1;
/** Bytes before the payload: magic, version, payload length, CRC-32, reserved. */
export const HEADER_BYTES = 24;

/** Layer type codes in the file. */
export const LAYER_CODES: Record<PackedLayerType, number> = {
  rescale: 1,
  flatten: 2,
  dense: 3,
  conv2d: 4,
  bias: 5,
  max_pool2d: 6,
  threshold: 7,
  scale_shift: 8,
  avg_pool2d: 9,
  rprelu: 10,
  residual: 11,
};

/** Every layer of a list, residual blocks' nested layers included (depth first, body first). */
export function allLayers(layers: readonly PackedLayer[]): PackedLayer[] {
  return layers.flatMap((l) =>
    l.type === "residual" ? [l, ...allLayers(l.body), ...allLayers(l.shortcut)] : [l],
  );
}

/** Bytes that hold `count` bits, LSB first. */
export function bitBytes(count: number): number {
  return Math.ceil(count / 8);
}

/** `bytes` rounded up to a multiple of 4 (every section of the file is 4-byte aligned). */
export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}
