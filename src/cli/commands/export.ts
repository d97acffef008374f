/** `bamsprod export`: a trained checkpoint as a packed 1-bit model (.bnn) or an ONNX model. */
import type { Command } from "commander";
import { exportCheckpoint, exportFormats, type ExportResult } from "../../export/fromCheckpoint.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { BamsprodError } from "../../util/errors.js";

interface ExportOpts {
  checkpoint: string;
  format: string;
  out: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("export")
    .description("export a trained model: packed 1-bit format (.bnn) or ONNX, taking raw pixels")
    .requiredOption("--checkpoint <dir>", "the --out directory of a `bamsprod train` run")
    .option("--format <format>", `output format: ${exportFormats.join(", ")}`, "packed")
    .requiredOption("--out <file>", "file to write (e.g. model.bnn or model.onnx)")
    .option("--json", "print the sizes as one JSON object")
    .action((opts: ExportOpts) => {
      const result = exportCheckpoint(opts.checkpoint, opts.format);
      try {
        writeFileAtomic(opts.out, result.bytes);
      } catch (err) {
        throw new BamsprodError(
          `cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
      }
      process.stdout.write(
        opts.json === true ? JSON.stringify(summary(result, opts.out)) + "\n" : describe(result, opts.out),
      );
    });
}

function summary(r: ExportResult, out: string): Record<string, unknown> {
  return { out, format: r.format, model: r.spec.info.model, ...r.sizes, checkpointBytes: r.checkpointBytes };
}

function describe(r: ExportResult, out: string): string {
  const n = (v: number): string => v.toLocaleString("en-US");
  const s = r.sizes;
  return [
    `wrote ${out} (${r.format}, model ${String(r.spec.info.model)}): ${n(s.fileBytes)} bytes`,
    `  float32 parameters + batch-norm statistics: ${n(s.floatBytes)} bytes (${s.ratio.toFixed(1)}x the file)`,
    `  checkpoint.json (with optimizer state): ${n(r.checkpointBytes)} bytes`,
    r.format === "packed"
      ? `  binary kernels: ${n(s.binaryWeights)} weights in ${n(s.binaryKernelBytes)} bytes (1 bit each)`
      : `  binary kernels: ${n(s.binaryWeights)} weights stored as int8 +-1, cast to float32 in the graph (ONNX has no 1-bit type)`,
    "",
  ].join("\n");
}
