/** A summary of a packed model (.bnn): per layer its type, output shape and stored bytes. */
import type { PackedLayer, PackedSpec } from "./format.js";

export interface PackedSummaryRow {
  type: string;
  outputShape: number[];
  /** Bytes of the layer's stored values (1-bit kernels packed). */
  bytes: number;
  detail: string;
}

export interface PackedSummary {
  inputShape: number[];
  classes: number;
  classNames: string[] | null;
  info: Record<string, unknown>;
  rows: PackedSummaryRow[];
  totalBytes: number;
}

export function summarizePacked(spec: PackedSpec): PackedSummary {
  let shape: number[] = [...spec.inputShape];
  const rows = spec.layers.map((layer) => {
    shape = outputShape(layer, shape);
    return { type: layer.type, outputShape: [...shape], ...describe(layer) };
  });
  const names = spec.info.classNames;
  return {
    inputShape: [...spec.inputShape],
    classes: spec.classes,
    classNames: Array.isArray(names) ? names.map(String) : null,
    info: spec.info,
    rows,
    totalBytes: rows.reduce((s, r) => s + r.bytes, 0),
  };
}

export function formatPackedSummary(s: PackedSummary): string {
  const lines = [
    `packed model: input ${s.inputShape.join("x")} (CxHxW), ${s.classes} classes` +
      (s.classNames === null ? "" : ` (${s.classNames.join(", ")})`),
    `${"layer".padEnd(14)}${"output".padEnd(16)}${"bytes".padStart(10)}  detail`,
    ...s.rows.map(
      (r) =>
        `${r.type.padEnd(14)}${r.outputShape.join("x").padEnd(16)}${String(r.bytes).padStart(10)}  ${r.detail}`,
    ),
    `total stored values: ${s.totalBytes} bytes; info ${JSON.stringify({ ...s.info, classNames: undefined })}`,
  ];
  return lines.join("\n");
}

function outputShape(layer: PackedLayer, shape: number[]): number[] {
  switch (layer.type) {
    case "flatten":
      return [shape.reduce((a, b) => a * b, 1)];
    case "dense":
      return [layer.outFeatures];
    case "conv2d": {
      const oh = Math.floor((shape[1] + 2 * layer.padH - layer.kernelH) / layer.strideH) + 1;
      const ow = Math.floor((shape[2] + 2 * layer.padW - layer.kernelW) / layer.strideW) + 1;
      return [layer.outChannels, oh, ow];
    }
    case "max_pool2d": {
      const out = (n: number): number => Math.floor((n - layer.size) / layer.stride) + 1;
      return [shape[0], out(shape[1]), out(shape[2])];
    }
    default:
      return shape;
  }
}

function describe(layer: PackedLayer): { bytes: number; detail: string } {
  switch (layer.type) {
    case "dense":
    case "conv2d": {
      const k = layer.kernel;
      const bytes = k.kind === "bits" ? k.bits.length : 4 * k.values.length;
      const input = layer.binaryInput ? "+-1 input" : "real input";
      return { bytes, detail: `${k.kind === "bits" ? "1-bit" : "float32"} kernel, ${input}` };
    }
    case "rescale":
      return { bytes: 4 * (layer.scale.length + layer.offset.length), detail: "pixel normalization" };
    case "bias":
      return { bytes: 4 * layer.values.length, detail: "per-channel bias" };
    case "threshold":
      return { bytes: 4 * layer.thresholds.length + layer.flip.length, detail: "batch-norm + sign folded" };
    case "scale_shift":
      return { bytes: 8 * (layer.scale.length + layer.shift.length), detail: "batch-norm" };
    case "max_pool2d":
      return { bytes: 0, detail: `${layer.size}x${layer.size} stride ${layer.stride}` };
    default:
      return { bytes: 0, detail: "" };
  }
}
