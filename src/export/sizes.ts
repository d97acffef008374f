/** Size accounting of an export: what the file weighs against the float model it came from. */
import type { Sequential } from "../nn/model.js";
import { allLayers, type PackedSpec } from "./format.js";

export interface SizeReport {
  /** Bytes of the exported file. */
  fileBytes: number;
  /** Bytes of the model's parameters and batch-norm statistics as float32 (what inference needs). */
  floatBytes: number;
  /** Weights stored at 1 bit each, and the bytes their bit fields take. */
  binaryWeights: number;
  binaryKernelBytes: number;
  /** floatBytes / fileBytes. */
  ratio: number;
}

/** Compares an exported file with the float32 size of the model's trained tensors. */
export function sizeReport(model: Sequential, spec: PackedSpec, fileBytes: number): SizeReport {
  let floats = 0;
  for (const p of model.parameters()) floats += p.tensor.size;
  for (const b of model.buffers()) floats += b.data.length;
  let binaryWeights = 0;
  let binaryKernelBytes = 0;
  for (const layer of allLayers(spec.layers)) {
    if ((layer.type === "dense" || layer.type === "conv2d") && layer.kernel.kind === "bits") {
      binaryWeights +=
        layer.type === "dense"
          ? layer.inFeatures * layer.outFeatures
          : layer.outChannels * layer.inChannels * layer.kernelH * layer.kernelW;
      binaryKernelBytes += layer.kernel.bits.length;
    }
  }
  const floatBytes = 4 * floats;
  return { fileBytes, floatBytes, binaryWeights, binaryKernelBytes, ratio: floatBytes / fileBytes };
}
