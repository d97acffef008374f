/**
 * Model summary in the manner of `larq.models.summary`: per layer, the output shape, the
 * precision of a dense or convolution layer's input, the binary and 32-bit parameter counts,
 * memory with binary parameters stored at 1 bit against all at 32 bits, and
 * multiply-accumulates split into binary (both operands +-1, XNOR-popcount at inference) and
 * float (at least one real operand), with the binary share of the total.
 */
import { QuantConv2D } from "./layers/quantConv2d.js";
import { QuantDense } from "./layers/quantDense.js";
import { Residual } from "./layers/residual.js";
import type { Sequential } from "./model.js";
import type { Layer } from "./types.js";

export interface SummaryRow {
  name: string;
  kind: string;
  /** Per-sample output shape. */
  outputShape: number[];
  /**
   * Bits of the values a dense or convolution layer multiplies its kernel with: 1 when its
   * input is binarized (an input quantizer, or +-1 from an RSign), 32 otherwise; null for
   * layers without a product.
   */
  inputBits: 1 | 32 | null;
  /** Values of binarized kernels (stored at 1 bit). */
  binaryParams: number;
  /**
   * 32-bit values stored: real-valued parameters plus non-trainable buffers (batch-norm moving
   * statistics), as larq counts them; inference needs both.
   */
  floatParams: number;
  /** Bytes with binary parameters packed at 1 bit: binaryParams / 8 + 4 floatParams. */
  memoryBytes: number;
  /** Bytes with every value at 32 bits: 4 (binaryParams + floatParams). */
  float32Bytes: number;
  binaryMacs: number;
  floatMacs: number;
}

export interface ModelSummary {
  model: string;
  inputShape: number[];
  rows: SummaryRow[];
  totals: {
    binaryParams: number;
    floatParams: number;
    /** Parameters the optimizer updates (binary latent kernels + real parameters; no buffers). */
    trainableParams: number;
    memoryBytes: number;
    float32Bytes: number;
    /** float32Bytes / memoryBytes. */
    compression: number;
    binaryMacs: number;
    floatMacs: number;
    /** binaryMacs / (binaryMacs + floatMacs), 0 without MACs. */
    binaryMacShare: number;
  };
}

/**
 * Summarizes a model. Layers nested in a residual block get their own rows, its body's then
 * its shortcut's (before the block's row, which then only stands for the addition).
 * @example console.log(formatSummary(summarize(buildModel("bcnn"))))
 */
export function summarize(model: Sequential): ModelSummary {
  const rows: SummaryRow[] = [];
  let shape: readonly number[] = model.inputShape;
  for (const layer of model.layers) shape = addRows(layer, shape, rows);
  const sum = (key: keyof SummaryRow): number => rows.reduce((s, r) => s + (r[key] as number), 0);
  const trainableParams = model.parameters().reduce((s, p) => s + p.tensor.size, 0);
  const memoryBytes = sum("memoryBytes");
  const float32Bytes = sum("float32Bytes");
  const binaryMacs = sum("binaryMacs");
  const floatMacs = sum("floatMacs");
  return {
    model: model.name,
    inputShape: [...model.inputShape],
    rows,
    totals: {
      binaryParams: sum("binaryParams"),
      floatParams: sum("floatParams"),
      trainableParams,
      memoryBytes,
      float32Bytes,
      compression: memoryBytes === 0 ? 1 : float32Bytes / memoryBytes,
      binaryMacs,
      floatMacs,
      binaryMacShare: binaryMacs + floatMacs === 0 ? 0 : binaryMacs / (binaryMacs + floatMacs),
    },
  };
}

function addRows(layer: Layer, inputShape: readonly number[], rows: SummaryRow[]): number[] {
  const children = layer.children?.() ?? [];
  // Each path of a residual block starts from the block's input.
  const paths = layer instanceof Residual ? [layer.block, layer.shortcut] : [children];
  for (const path of paths) {
    let shape: readonly number[] = inputShape;
    for (const child of path) shape = addRows(child, shape, rows);
  }
  const own = children.length === 0;
  let binaryParams = 0;
  let floatParams = 0;
  if (own) {
    for (const p of layer.parameters()) {
      if (p.binary) binaryParams += p.tensor.size;
      else floatParams += p.tensor.size;
    }
    for (const b of layer.buffers()) floatParams += b.data.length;
  }
  const macs = own
    ? (layer.multiplyAccumulates?.(inputShape) ?? { binary: 0, float: 0 })
    : { binary: 0, float: 0 };
  const outputShape = layer.outputShape(inputShape);
  rows.push({
    name: layer.name,
    kind: layer.kind,
    outputShape,
    inputBits: inputBits(layer),
    binaryParams,
    floatParams,
    memoryBytes: binaryParams / 8 + 4 * floatParams,
    float32Bytes: 4 * (binaryParams + floatParams),
    binaryMacs: macs.binary,
    floatMacs: macs.float,
  });
  return outputShape;
}

function inputBits(layer: Layer): 1 | 32 | null {
  if (layer instanceof QuantConv2D) return layer.quant.input !== null || layer.inputIsBinary ? 1 : 32;
  if (layer instanceof QuantDense) return layer.quant.input !== null ? 1 : 32;
  return null;
}

/** A fixed-width text table of a summary, with totals and the memory compression ratio. */
export function formatSummary(s: ModelSummary): string {
  const header = [
    "Layer",
    "Kind",
    "Output shape",
    "Input bits",
    "Binary params",
    "Float params",
    "Memory",
    "Binary MACs",
    "Float MACs",
  ];
  const body = s.rows.map((r) => [
    r.name,
    r.kind,
    `[${r.outputShape.join(", ")}]`,
    r.inputBits === null ? "-" : String(r.inputBits),
    count(r.binaryParams),
    count(r.floatParams),
    bytes(r.memoryBytes),
    count(r.binaryMacs),
    count(r.floatMacs),
  ]);
  const t = s.totals;
  const total = [
    "Total",
    "",
    "",
    "",
    count(t.binaryParams),
    count(t.floatParams),
    bytes(t.memoryBytes),
    count(t.binaryMacs),
    count(t.floatMacs),
  ];
  const table = [header, ...body, total];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [
    `Model ${s.model}, input [${s.inputShape.join(", ")}]`,
    line(header),
    rule,
    ...body.map(line),
    rule,
    line(total),
    "",
    `Trainable parameters: ${count(t.trainableParams)}`,
    `Memory: ${bytes(t.memoryBytes)} with binary parameters at 1 bit, ${bytes(t.float32Bytes)} at 32 bits (${t.compression.toFixed(2)}x smaller)`,
    `MACs per sample: ${count(t.binaryMacs)} binary, ${count(t.floatMacs)} float (${(100 * t.binaryMacShare).toFixed(1)}% binary)`,
    "Float params include batch-norm moving statistics; MACs count dense and convolution layers only.",
  ].join("\n");
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}
