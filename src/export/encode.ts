/** Writes a packed model as .bnn bytes (layout: docs/format.md). */
import { ByteWriter } from "./bytes.js";
import { LAYER_CODES, type PackedKernel, type PackedLayer, type PackedSpec } from "./format.js";
import { withHeader } from "./header.js";
import { layerShapes } from "./shapes.js";

/** Flag bits of dense and conv2d records. */
export const FLAG_BINARY_INPUT = 1;
export const FLAG_BINARY_KERNEL = 2;

/**
 * The .bnn file of a packed model: header (magic, version, payload length, CRC-32 of the
 * payload) then the payload (input shape, classes, info JSON, layer records).
 * @throws BamsprodError if the layers' shapes do not chain (see layerShapes).
 */
export function encodePacked(spec: PackedSpec): Uint8Array {
  layerShapes(spec); // refuse to write an inconsistent model
  return withHeader(encodePayload(spec));
}

function encodePayload(spec: PackedSpec): Uint8Array {
  const w = new ByteWriter();
  for (const d of spec.inputShape) w.u32(d);
  w.u32(spec.classes);
  w.u32(spec.layers.length);
  const info = new TextEncoder().encode(JSON.stringify(spec.info));
  w.u32(info.length);
  w.bytesAligned(info);
  for (const layer of spec.layers) encodeRecord(layer, w);
  return w.finish();
}

/** One layer record: type code, body length, body (4-byte aligned). */
function encodeRecord(layer: PackedLayer, w: ByteWriter): void {
  const body = new ByteWriter();
  encodeBody(layer, body);
  const bytes = body.finish();
  w.u32(LAYER_CODES[layer.type]);
  w.u32(bytes.length);
  w.bytesAligned(bytes);
}

function encodeKernel(kernel: PackedKernel, w: ByteWriter): void {
  if (kernel.kind === "bits") w.bytesAligned(kernel.bits);
  else w.f32s(kernel.values);
}

function flags(binaryInput: boolean, kernel: PackedKernel): number {
  return (binaryInput ? FLAG_BINARY_INPUT : 0) | (kernel.kind === "bits" ? FLAG_BINARY_KERNEL : 0);
}

function encodeBody(layer: PackedLayer, w: ByteWriter): void {
  switch (layer.type) {
    case "rescale":
      channelArrays(w, layer.scale, layer.offset);
      return;
    case "flatten":
      return;
    case "dense":
      w.u32(layer.inFeatures);
      w.u32(layer.outFeatures);
      w.u32(flags(layer.binaryInput, layer.kernel));
      encodeKernel(layer.kernel, w);
      return;
    case "conv2d":
      for (const v of [
        layer.inChannels,
        layer.outChannels,
        layer.kernelH,
        layer.kernelW,
        layer.strideH,
        layer.strideW,
        layer.padH,
        layer.padW,
      ]) {
        w.u32(v);
      }
      w.u32(flags(layer.binaryInput, layer.kernel));
      encodeKernel(layer.kernel, w);
      return;
    case "bias":
      channelArrays(w, layer.values);
      return;
    case "max_pool2d":
    case "avg_pool2d":
      w.u32(layer.size);
      w.u32(layer.stride);
      return;
    case "threshold":
      channelArrays(w, layer.thresholds);
      w.bytesAligned(packFlags(layer.flip));
      return;
    case "scale_shift":
      w.u32(layer.scale.length);
      for (const values of [layer.scale, layer.shift]) w.f64s(values);
      return;
    case "rprelu":
      w.u32(layer.alpha.length);
      for (const values of [layer.shiftIn, layer.alpha, layer.shiftOut]) w.f32s(values);
      return;
    case "residual":
      w.u32(layer.body.length);
      w.u32(layer.shortcut.length);
      for (const inner of [...layer.body, ...layer.shortcut]) encodeRecord(inner, w);
      return;
  }
}

/** A per-channel body's float32 arrays: the channel count (their length), then each array. */
function channelArrays(w: ByteWriter, ...arrays: Float32Array[]): void {
  w.u32(arrays[0].length);
  for (const values of arrays) w.f32s(values);
}

/** One bit per channel, LSB first. */
function packFlags(flip: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(flip.length / 8));
  for (let i = 0; i < flip.length; i++) if (flip[i] !== 0) out[i >> 3] |= 1 << (i & 7);
  return out;
}
