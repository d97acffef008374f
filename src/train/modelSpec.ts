/**
 * What `--model` names: a built-in model (`modelNames`) or a model file
 * (FILE.json, the form `model.config()` returns). A file is read and checked here, before any
 * data is loaded, so a bad layer or option fails at once.
 */
import { BamsprodError, show } from "../util/errors.js";
import { buildModel, modelNames, type Sequential } from "../nn/index.js";
import { buildParsedModel } from "../nn/modelConfig.js";
import { readModelFile } from "./modelFile.js";

export interface ModelSpec {
  /** The built-in name, or the file's path. */
  label: string;
  build(options: { inputShape: readonly number[]; classes: number; seed: number }): Sequential;
}

/** True when `model` names a model file rather than a built-in model. */
export function isModelFile(model: string): boolean {
  return model.endsWith(".json");
}

/** The built-in models that take a `width` (--width). */
export const widthModels: readonly string[] = ["birealnet", "reactnet"];

/**
 * `width` for buildModel: refused, naming the model, for a model that has no width option.
 * @throws BamsprodError for a width given with another model.
 */
export function widthOption(model: string, width: number | undefined): { width?: number } {
  if (width === undefined) return {};
  if (!widthModels.includes(model)) {
    throw new BamsprodError(
      `--width applies to ${widthModels.join(" and ")} only, not to --model ${show(model)}`,
    );
  }
  return { width };
}

/** Resolves --model (and --width); throws for an unknown name, a bad model file or a misplaced width. */
export function resolveModelSpec(model: string, options: { width?: number } = {}): ModelSpec {
  const width = widthOption(model, options.width);
  if (isModelFile(model)) {
    const file = readModelFile(model);
    if (file.parsed.inputShape !== undefined) {
      // The file states its input shape: its shapes can be checked before any data is loaded.
      buildParsedModel(file.parsed, {}, model);
    }
    return { label: model, build: (o) => buildParsedModel(file.parsed, o, model) };
  }
  if (!(modelNames as readonly string[]).includes(model)) {
    throw new BamsprodError(
      `unknown model ${show(model)}; use one of ${modelNames.join(", ")}, or a model file FILE.json`,
    );
  }
  return { label: model, build: (o) => buildModel(model, { ...o, ...width }) };
}
