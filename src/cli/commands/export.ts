/** `bamsprod export`: a trained model as a packed 1-bit model (.bnn), ONNX, or C source. */
import { join } from "node:path";
import type { Command } from "commander";
import {
  exportCheckpoint,
  exportFormats,
  exportPackedFile,
  type ExportResult,
} from "../../export/fromCheckpoint.js";
import { exportTfjsFile } from "../../export/tfjsFiles.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { BamsprodError, show } from "../../util/errors.js";
import { sameFile } from "../../util/sameFile.js";
import { checkpointPath } from "../../train/checkpoint.js";
import { BEST_MODEL_FILE, METRICS_FILE } from "../../train/record.js";

interface ExportOpts {
  checkpoint?: string;
  model?: string;
  tfjs?: string;
  format: string;
  out: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("export")
    .description("export a trained model: packed 1-bit format (.bnn), ONNX, or C source; all take raw pixels")
    .option("--checkpoint <dir>", "the --out directory of a `bamsprod train` run")
    .option("--model <file>", "a packed model (.bnn) to convert")
    .option("--tfjs <model.json>", "a TensorFlow.js model saved with model.save (bamsprod/tfjs layers)")
    .option("--format <format>", `output format: ${exportFormats.join(", ")}`, "packed")
    .requiredOption(
      "--out <path>",
      "file to write (e.g. model.bnn or model.onnx); for --format c, a directory (bamsprod_model.h and .c)",
    )
    .option("--json", "print the sizes as one JSON object")
    .action(async (opts: ExportOpts) => {
      refuseInputs(opts, [opts.out]);
      const result = await exportFrom(opts);
      const paths = result.files.map((file) => (file.name === null ? opts.out : join(opts.out, file.name)));
      refuseInputs(opts, paths);
      result.files.forEach((file, i) => writeFileAtomic(paths[i], file.bytes));
      process.stdout.write(
        opts.json === true ? JSON.stringify(summary(result, opts.out)) + "\n" : describe(result, opts.out),
      );
    });
}

/** An export never writes over what it reads: the input model, or the run's checkpoint, metrics and best weights. */
function refuseInputs(opts: ExportOpts, outputs: readonly string[]): void {
  const dir = opts.checkpoint;
  const inputs = [
    ...[opts.model, opts.tfjs].filter((p) => p !== undefined),
    ...(dir === undefined ? [] : [checkpointPath(dir), join(dir, METRICS_FILE), join(dir, BEST_MODEL_FILE)]),
  ];
  for (const out of outputs) {
    const hit = inputs.find((input) => sameFile(out, input));
    if (hit === undefined) continue;
    const what =
      hit === opts.model || hit === opts.tfjs ? "the input model" : `${show(hit)} of the run being exported`;
    throw new BamsprodError(`--out ${show(out)} is ${what}; write to another file`);
  }
}

/** The export of the one source given. */
async function exportFrom(opts: ExportOpts): Promise<ExportResult> {
  const sources = [opts.checkpoint, opts.model, opts.tfjs].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new BamsprodError(
      `pass exactly one source: --checkpoint DIR (a training run), --model FILE.bnn or --tfjs model.json; got ${sources.length === 0 ? "none" : sources.map((s) => show(s)).join(" and ")}`,
    );
  }
  if (opts.checkpoint !== undefined) return exportCheckpoint(opts.checkpoint, opts.format);
  if (opts.model !== undefined) return exportPackedFile(opts.model, opts.format);
  return exportTfjsFile(opts.tfjs as string, opts.format);
}

function summary(r: ExportResult, out: string): Record<string, unknown> {
  const fileBytes = r.files.reduce((sum, f) => sum + f.bytes.length, 0);
  return {
    out,
    format: r.format,
    model: r.spec.info.model,
    fileBytes,
    ...r.sizes,
    ...(r.checkpointBytes === null ? {} : { checkpointBytes: r.checkpointBytes }),
    ...(r.bufferBytes === undefined ? {} : { bufferBytes: r.bufferBytes }),
  };
}

function describe(r: ExportResult, out: string): string {
  const n = (v: number): string => v.toLocaleString("en-US");
  const fileBytes = r.files.reduce((sum, f) => sum + f.bytes.length, 0);
  const written = r.format === "c" ? `${out}/{${r.files.map((f) => f.name).join(",")}}` : out;
  const lines = [`wrote ${written} (${r.format}, model ${String(r.spec.info.model)}): ${n(fileBytes)} bytes`];
  const s = r.sizes;
  if (s !== null && r.checkpointBytes !== null) {
    lines.push(
      `  float32 parameters + batch-norm statistics: ${n(s.floatBytes)} bytes (${s.ratio.toFixed(1)}x the file)`,
      `  checkpoint.json (with optimizer state): ${n(r.checkpointBytes)} bytes`,
      r.format === "onnx"
        ? `  binary kernels: ${n(s.binaryWeights)} weights stored as int8 +-1, cast to float32 in the graph (ONNX has no 1-bit type)`
        : `  binary kernels: ${n(s.binaryWeights)} weights in ${n(s.binaryKernelBytes)} bytes (1 bit each)`,
    );
  }
  if (r.bufferBytes !== undefined) {
    lines.push(
      `  static buffers of bamsprod_predict: ${n(r.bufferBytes)} bytes of RAM; weights are const (flash)`,
    );
  }
  return lines.join("\n") + "\n";
}
