/** Export of a training run's checkpoint (or of an existing .bnn), as `bamsprod export` does it. */
import { existsSync, statSync } from "node:fs";
import { checkpointPath, loadModelFromCheckpoint } from "../train/checkpoint.js";
import { BamsprodError, show } from "../util/errors.js";
import { C_FILES, generateC } from "./c/index.js";
import { compileModel } from "./compile.js";
import { decodePacked } from "./decode.js";
import { encodePacked } from "./encode.js";
import type { PackedSpec } from "./format.js";
import { exportOnnx } from "./onnx.js";
import { sizeReport, type SizeReport } from "./sizes.js";
import { readFileBounded } from "../util/readBounded.js";
import { LIMITS } from "../util/limits.js";

export const exportFormats = ["packed", "onnx", "c"] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** One written file: `name` null for the --out file itself, else a file inside the --out directory. */
export interface ExportedFile {
  name: string | null;
  bytes: Uint8Array;
}

export interface ExportResult {
  format: ExportFormat;
  /** The file's contents (single-file formats; for "c", the source file). */
  bytes: Uint8Array;
  files: ExportedFile[];
  spec: PackedSpec;
  /** Sizes against the float model (null when the source is not a checkpoint). */
  sizes: SizeReport | null;
  /** Size of checkpoint.json (JSON, base64 tensors, optimizer state), or null. */
  checkpointBytes: number | null;
  /** For "c": bytes of the static buffers bamsprod_predict uses. */
  bufferBytes?: number;
}

/** The format, checked. @throws BamsprodError for an unknown one. */
export function checkFormat(format: string): ExportFormat {
  if (!(exportFormats as readonly string[]).includes(format)) {
    throw new BamsprodError(`unknown export format ${show(format)}; use one of ${exportFormats.join(", ")}`);
  }
  return format as ExportFormat;
}

/** Encodes a packed model in `format`. */
export function exportSpec(
  spec: PackedSpec,
  format: string,
): Omit<ExportResult, "sizes" | "checkpointBytes"> {
  const f = checkFormat(format);
  if (f === "c") {
    const c = generateC(spec);
    const source = new TextEncoder().encode(c.source);
    const files = [
      { name: C_FILES.header, bytes: new TextEncoder().encode(c.header) },
      { name: C_FILES.source, bytes: source },
    ];
    return { format: f, bytes: source, files, spec, bufferBytes: c.bufferBytes };
  }
  const bytes = f === "packed" ? encodePacked(spec) : exportOnnx(spec);
  return { format: f, bytes, files: [{ name: null, bytes }], spec };
}

/**
 * Compiles the model saved in a `bamsprod train --out DIR` directory and encodes it.
 * @throws BamsprodError for a missing checkpoint, an unknown format, or a model the packed
 *   format cannot express.
 * @example writeFileSync("model.bnn", exportCheckpoint("runs/bmlp", "packed").bytes);
 */
export function exportCheckpoint(dir: string, format: string): ExportResult {
  checkFormat(format);
  const path = checkpointPath(dir);
  if (!existsSync(path)) {
    throw new BamsprodError(
      `no checkpoint at ${path}: pass the --out directory of a finished \`bamsprod train\` run`,
    );
  }
  const { model, state } = loadModelFromCheckpoint(dir);
  const spec = compileModel(model, {
    optimizer: state.fit.optimizer,
    seed: state.fit.seed,
    epochs: state.history.length,
    test_accuracy: state.test?.accuracy ?? null,
    // Prediction needs nothing else: the class names travel with the model.
    ...(state.classNames === null ? {} : { classNames: state.classNames }),
  });
  const result = exportSpec(spec, format);
  const fileBytes = result.files.reduce((sum, f) => sum + f.bytes.length, 0);
  return { ...result, sizes: sizeReport(model, spec, fileBytes), checkpointBytes: statSync(path).size };
}

/**
 * Converts a packed model file (.bnn) to `format`.
 * @throws BamsprodError for an unreadable or invalid file, or an unknown format.
 */
export function exportPackedFile(path: string, format: string): ExportResult {
  checkFormat(format);
  const bytes = readFileBounded(path, LIMITS.fileBytes, "--model");
  return { ...exportSpec(decodePacked(bytes, path), format), sizes: null, checkpointBytes: null };
}
