/**
 * Training checkpoints: everything needed to continue a run bit-identically (parameters,
 * batch-norm statistics, optimizer state, RNG state, position inside the epoch, the partial
 * epoch's running sums and the metrics so far), in one JSON file written atomically.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { decodeFloat32, encodeFloat32 } from "../util/base64.js";
import type { Sequential } from "../nn/index.js";
import { modelFromConfig } from "../nn/modelConfig.js";

export const CHECKPOINT_FILE = "checkpoint.json";
const FORMAT = "bamsprod-checkpoint";
const VERSION = 2;

/**
 * One epoch's metrics: one line of metrics.jsonl. Training and validation every epoch; the test
 * set only when asked for (testEveryEpoch), else null: it is evaluated once, at the end.
 */
export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
  test_accuracy: number | null;
  flip_ratio: number;
  seconds: number;
  lr: number;
}

/** Loss and accuracy of a model on a labelled set. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** The settings of fit that a resumed run must keep. */
export interface FitSettings {
  optimizer: string;
  optimizerOptions: Record<string, unknown>;
  epochs: number;
  batchSize: number;
  seed: number;
  schedule: string;
  augment: { padding: number; flip: boolean } | null;
}

/** Running sums of the epoch in progress. */
export interface EpochProgress {
  epoch: number;
  batch: number;
  lossSum: number;
  correct: number;
  seen: number;
  flipSum: number;
  steps: number;
  seconds: number;
}

export interface CheckpointState {
  fit: FitSettings;
  /** The caller's own record of the run (the CLI's TrainConfig), checked by the caller on resume. */
  config: Record<string, unknown> | null;
  /** model.config(): rebuilds the architecture. */
  model: Record<string, unknown>;
  /** Class names of the training data, index-aligned with the labels, when known. */
  classNames: string[] | null;
  progress: EpochProgress;
  step: number;
  history: EpochMetrics[];
  tensors: Record<string, Float32Array>;
  optimizer: unknown;
  rng: number[];
  /** Factor on the schedule's learning rate (ReduceLROnPlateau). */
  lrScale: number;
  /** Why training ended before its last epoch (early stopping), or null. */
  stopReason: string | null;
  /** The final test evaluation, once training has finished. */
  test: Evaluation | null;
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

export function saveCheckpoint(dir: string, state: CheckpointState): void {
  const tensors: Record<string, string> = {};
  for (const [name, data] of Object.entries(state.tensors)) tensors[name] = encodeFloat32(data);
  const doc = { format: FORMAT, version: VERSION, ...state, tensors };
  writeFileAtomic(checkpointPath(dir), JSON.stringify(doc));
}

export function loadCheckpoint(dir: string): CheckpointState {
  const path = checkpointPath(dir);
  if (!existsSync(path)) {
    throw new BamsprodError(`--resume: no checkpoint at ${path}; start without --resume`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new BamsprodError(`checkpoint ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (doc.format !== FORMAT || doc.version !== VERSION) {
    throw new BamsprodError(
      `${path} is not a bamsprod checkpoint of version ${VERSION} (format ${show(doc.format)}, version ${show(doc.version)})`,
    );
  }
  const tensors: Record<string, Float32Array> = {};
  for (const [name, text] of Object.entries(doc.tensors as Record<string, string>)) {
    const data = decodeFloat32(text);
    if (data === null) throw new BamsprodError(`checkpoint ${path}: tensor ${show(name)} is corrupt`);
    tensors[name] = data;
  }
  return { ...(doc as unknown as CheckpointState), tensors };
}

/** Copies named tensors ("param:NAME", "buffer:NAME") into a model, checking every size. */
export function restoreTensors(model: Sequential, tensors: Record<string, Float32Array>): void {
  const targets = modelTensors(model);
  for (const [name, target] of Object.entries(targets)) {
    const source = tensors[name];
    if (source === undefined || source.length !== target.length) {
      throw new BamsprodError(
        `checkpoint does not match the model: tensor ${show(name)} is ${source === undefined ? "missing" : `of size ${source.length}, expected ${target.length}`}`,
      );
    }
    target.set(source);
  }
}

/** The model's parameters and buffers by checkpoint name (views, not copies). */
export function modelTensors(model: Sequential): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of model.parameters()) out[`param:${p.name}`] = p.tensor.data;
  for (const b of model.buffers()) out[`buffer:${b.name}`] = b.data;
  return out;
}

/**
 * The trained model of a checkpoint directory, rebuilt and restored (batch-norm statistics
 * included), for evaluation and export.
 */
export function loadModelFromCheckpoint(dir: string): { model: Sequential; state: CheckpointState } {
  const state = loadCheckpoint(dir);
  const model = modelFromConfig(state.model, { source: checkpointPath(dir) });
  restoreTensors(model, state.tensors);
  return { model, state };
}
