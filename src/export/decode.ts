/**
 * Reads .bnn bytes back into a packed model, refusing anything that is not exactly a valid
 * file of a version this library knows: wrong magic, other version, truncation, checksum
 * mismatch, and (behind a valid checksum) inconsistent layer records.
 */
import { BamsprodError } from "../util/errors.js";
import { checkLimit, LIMITS } from "../util/limits.js";
import { ByteReader } from "./bytes.js";
import { FLAG_BINARY_INPUT, FLAG_BINARY_KERNEL } from "./encode.js";
import {
  bitBytes,
  LAYER_CODES,
  type PackedKernel,
  type PackedLayer,
  type PackedLayerType,
  type PackedSpec,
} from "./format.js";
import { checkHeader } from "./header.js";
import { layerShapes } from "./shapes.js";

/**
 * Parses and validates a .bnn file. `name` (a path) starts every error message.
 * @throws BamsprodError saying what is wrong: not a .bnn file, unsupported version, truncated,
 *   corrupted (checksum), or inconsistent layers.
 */
export function decodePacked(bytes: Uint8Array, name = "the packed model"): PackedSpec {
  if (!(bytes instanceof Uint8Array)) {
    throw new BamsprodError(`${name}: expected the file's bytes as a Uint8Array (e.g. readFileSync(path))`);
  }
  const payload = checkHeader(bytes, name);
  const corrupt = (problem: string): string =>
    `${name} is corrupt although its checksum matches (${problem}); re-export it with \`bamsprod export\``;
  const r = new ByteReader(payload, corrupt);
  const inputShape: [number, number, number] = [
    positive(r.u32("the input shape"), "input channels", corrupt),
    positive(r.u32("the input shape"), "input height", corrupt),
    positive(r.u32("the input shape"), "input width", corrupt),
  ];
  checkLimit(
    `the input shape [${inputShape.join(", ")}] of ${name}`,
    inputShape[0] * inputShape[1] * inputShape[2],
    LIMITS.inputElements,
    " values",
  );
  const classes = positive(r.u32("the class count"), "class count", corrupt);
  const count = r.u32("the layer count");
  const infoBytes = r.bytesAligned(r.u32("the info length"), "the info text");
  const info = parseInfo(infoBytes, corrupt);
  const layers: PackedLayer[] = [];
  for (let i = 0; i < count; i++) layers.push(readRecord(r, i, corrupt));
  if (r.remaining !== 0) throw new BamsprodError(corrupt(`${r.remaining} bytes follow the last layer`));
  const spec: PackedSpec = { inputShape, classes, info, layers };
  let shapes: number[][];
  try {
    shapes = layerShapes(spec);
  } catch (err) {
    throw err instanceof BamsprodError ? new BamsprodError(corrupt(err.message)) : err;
  }
  checkInferenceMemory(spec, shapes, name);
  return spec;
}

/** Images per chunk of inference (PackedModel.logits): bounds the memory of the activations. */
export const INFERENCE_CHUNK = 128;

/**
 * Refuses a model whose inference would allocate more than LIMITS.activationElements values for
 * one chunk of images: an activation, or a convolution's patch matrix (bits, counted in words).
 */
function checkInferenceMemory(spec: PackedSpec, shapes: number[][], name: string): void {
  spec.layers.forEach((layer, i) => {
    const out = shapes[i];
    let values = out.reduce((a, b) => a * b, 1);
    if (layer.type === "conv2d") {
      values = Math.max(values, (layer.inChannels * layer.kernelH * layer.kernelW * out[1] * out[2]) / 8);
    }
    checkLimit(
      `the inference memory of layer ${i} (${layer.type}, output [${out.join(", ")}]) of ${name} for ${INFERENCE_CHUNK} images`,
      values * INFERENCE_CHUNK,
      LIMITS.activationElements,
      " values",
    );
  });
}

function positive(v: number, what: string, corrupt: (p: string) => string): number {
  if (v < 1) throw new BamsprodError(corrupt(`${what} is ${v}`));
  return v;
}

function parseInfo(bytes: Uint8Array, corrupt: (p: string) => string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new BamsprodError(corrupt("the info block is not a JSON object"));
}

const TYPE_OF_CODE = new Map<number, PackedLayerType>(
  Object.entries(LAYER_CODES).map(([type, code]) => [code, type as PackedLayerType]),
);

function readRecord(r: ByteReader, index: number, corrupt: (p: string) => string): PackedLayer {
  const code = r.u32(`the type of layer ${index}`);
  const type = TYPE_OF_CODE.get(code);
  if (type === undefined) throw new BamsprodError(corrupt(`layer ${index} has unknown type code ${code}`));
  const length = r.u32(`the length of layer ${index}`);
  const body = r.bytesAligned(length, `layer ${index} (${type})`);
  const inLayer = (problem: string): string => corrupt(`layer ${index} (${type}): ${problem}`);
  const br = new ByteReader(body, inLayer);
  const layer = readBody(type, br, inLayer);
  if (br.remaining !== 0) throw new BamsprodError(inLayer(`${br.remaining} bytes left over`));
  return layer;
}

function readKernel(r: ByteReader, flags: number, count: number): PackedKernel {
  return (flags & FLAG_BINARY_KERNEL) !== 0
    ? { kind: "bits", bits: r.bytesAligned(bitBytes(count), "the 1-bit kernel") }
    : { kind: "float", values: r.f32s(count, "the float kernel") };
}

function readBody(type: PackedLayerType, r: ByteReader, fail: (p: string) => string): PackedLayer {
  const dim = (what: string): number => {
    const v = r.u32(what);
    if (v < 1) throw new BamsprodError(fail(`${what} is ${v}`));
    return v;
  };
  switch (type) {
    case "rescale": {
      const c = dim("the channel count");
      return { type, scale: r.f32s(c, "the scales"), offset: r.f32s(c, "the offsets") };
    }
    case "flatten":
      return { type };
    case "dense": {
      const inFeatures = dim("the input size");
      const outFeatures = dim("the output size");
      const flags = r.u32("the flags");
      const kernel = readKernel(r, flags, inFeatures * outFeatures);
      return { type, inFeatures, outFeatures, binaryInput: (flags & FLAG_BINARY_INPUT) !== 0, kernel };
    }
    case "conv2d": {
      const [inChannels, outChannels, kernelH, kernelW, strideH, strideW] = [
        "input channels",
        "output channels",
        "kernel height",
        "kernel width",
        "vertical stride",
        "horizontal stride",
      ].map(dim);
      const padH = r.u32("the vertical padding");
      const padW = r.u32("the horizontal padding");
      const flags = r.u32("the flags");
      const kernel = readKernel(r, flags, outChannels * inChannels * kernelH * kernelW);
      const binaryInput = (flags & FLAG_BINARY_INPUT) !== 0;
      return {
        type,
        ...{ inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW },
        binaryInput,
        kernel,
      };
    }
    case "bias":
      return { type, values: r.f32s(dim("the channel count"), "the biases") };
    case "max_pool2d":
    case "avg_pool2d":
      return { type, size: dim("the window size"), stride: dim("the stride") };
    case "threshold": {
      const c = dim("the channel count");
      const thresholds = r.f32s(c, "the thresholds");
      const bits = r.bytesAligned(bitBytes(c), "the flip bits");
      const flip = new Uint8Array(c);
      for (let i = 0; i < c; i++) flip[i] = (bits[i >> 3] >> (i & 7)) & 1;
      return { type, thresholds, flip };
    }
    case "scale_shift": {
      const c = dim("the channel count");
      return { type, scale: r.f64s(c, "the scales"), shift: r.f64s(c, "the shifts") };
    }
    case "rprelu": {
      const c = dim("the channel count");
      const [shiftIn, alpha, shiftOut] = ["input shifts", "slopes", "output shifts"].map((what) =>
        r.f32s(c, `the ${what}`),
      );
      return { type, shiftIn, alpha, shiftOut };
    }
    case "residual": {
      const bodyCount = dim("the body's layer count");
      const shortcutCount = r.u32("the shortcut's layer count");
      const nested = (count: number): PackedLayer[] =>
        Array.from({ length: count }, (_, i) => readRecord(r, i, fail));
      const body = nested(bodyCount);
      return { type, body, shortcut: nested(shortcutCount) };
    }
  }
}
