/** Export of a training run's checkpoint, as `bamsprod export` does it. */
import { existsSync, statSync } from "node:fs";
import { checkpointPath, loadModelFromCheckpoint } from "../train/checkpoint.js";
import { BamsprodError, show } from "../util/errors.js";
import { compileModel } from "./compile.js";
import { encodePacked } from "./encode.js";
import type { PackedSpec } from "./format.js";
import { exportOnnx } from "./onnx.js";
import { sizeReport, type SizeReport } from "./sizes.js";

export const exportFormats = ["packed", "onnx"] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface ExportResult {
  format: ExportFormat;
  /** The file's contents. */
  bytes: Uint8Array;
  spec: PackedSpec;
  sizes: SizeReport;
  /** Size of checkpoint.json (JSON, base64 tensors, optimizer state). */
  checkpointBytes: number;
}

/**
 * Compiles the model saved in a `bamsprod train --out DIR` directory and encodes it.
 * @throws BamsprodError for a missing checkpoint, an unknown format, or a model the packed
 *   format cannot express.
 * @example writeFileSync("model.bnn", exportCheckpoint("runs/bmlp", "packed").bytes);
 */
export function exportCheckpoint(dir: string, format: string): ExportResult {
  if (!(exportFormats as readonly string[]).includes(format)) {
    throw new BamsprodError(`unknown export format ${show(format)}; use one of ${exportFormats.join(", ")}`);
  }
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
  const bytes = format === "packed" ? encodePacked(spec) : exportOnnx(spec);
  return {
    format: format as ExportFormat,
    bytes,
    spec,
    sizes: sizeReport(model, spec, bytes.length),
    checkpointBytes: statSync(path).size,
  };
}
