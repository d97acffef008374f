/**
 * Model files: a model's JSON form (`model.config()`), optionally with its trained weights
 * (what ModelCheckpoint writes). Without weights, a file describes an architecture to train
 * (`bamsprod train --model FILE.json`); with them, a trained model to summarize or export.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { buildParsedModel, parseModelConfig, type ParsedModel } from "../nn/modelConfig.js";
import { decodeStateDict, encodeStateDict, type ModelStateDict } from "../nn/stateDict.js";
import type { Sequential } from "../nn/index.js";
import { readFileBounded } from "../util/readBounded.js";
import { LIMITS } from "../util/limits.js";

export const MODEL_FILE_FORMAT = "bamsprod-model";
const VERSION = 1;

/** A model file as read: its parsed architecture, and its weights when it has them. */
export interface ModelFile {
  path: string;
  parsed: ParsedModel;
  tensors: ModelStateDict | null;
  classNames: string[] | null;
  info: Record<string, unknown>;
}

/** Writes `model` (architecture and weights) to `path`, atomically. */
export function saveModelFile(
  path: string,
  model: Sequential,
  info: Record<string, unknown> = {},
  classNames: readonly string[] | null = null,
): void {
  const doc = {
    format: MODEL_FILE_FORMAT,
    version: VERSION,
    ...model.config(),
    ...(classNames === null ? {} : { classNames: [...classNames] }),
    info,
    tensors: encodeStateDict(model.stateDict()),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify(doc));
}

/** Reads and checks a model file (architecture only, or with weights). */
export function readModelFile(path: string): ModelFile {
  const text = readFileBounded(path, LIMITS.fileBytes, "model file").toString("utf8");
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new BamsprodError(`model file ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (json !== null && typeof json === "object" && json.format !== undefined) {
    if (json.format !== MODEL_FILE_FORMAT || json.version !== VERSION) {
      throw new BamsprodError(
        `${path}: format ${show(json.format)} version ${show(json.version)} is not a bamsprod model file (${MODEL_FILE_FORMAT} version ${VERSION})`,
      );
    }
  }
  const parsed = parseModelConfig(json, path);
  return {
    path,
    parsed,
    tensors: json.tensors === undefined ? null : decodeStateDict(json.tensors, path),
    classNames: names(path, json.classNames),
    info: (json.info as Record<string, unknown>) ?? {},
  };
}

/** The model of a file with weights, ready to evaluate or export. */
export function loadModelFile(path: string): { model: Sequential; file: ModelFile } {
  const file = readModelFile(path);
  if (file.tensors === null) {
    throw new BamsprodError(
      `${path} has no weights (an architecture only): train it first with \`bamsprod train --model ${path}\``,
    );
  }
  const model = buildParsedModel(file.parsed, {}, path);
  model.loadStateDict(file.tensors, `model file ${path}`);
  return { model, file };
}

/** Copies the weights of a model file into `model` (same architecture). */
export function restoreModelFile(path: string, model: Sequential): void {
  const file = readModelFile(path);
  if (file.tensors === null) throw new BamsprodError(`${path} has no weights to restore`);
  model.loadStateDict(file.tensors, `model file ${path}`);
}

function names(path: string, v: unknown): string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw new BamsprodError(`${path}: "classNames" must be a list of strings`);
  }
  return v as string[];
}
