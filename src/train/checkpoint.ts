/**
 * Training checkpoints: everything needed to continue a run bit-identically (parameters,
 * batch-norm statistics, optimizer state, RNG state, position inside the epoch, the partial
 * epoch's running sums and the metrics so far) and the fingerprint of its data, as one JSON
 * document. `encodeCheckpoint`/`decodeCheckpoint` convert it to and from text (for any store);
 * `saveCheckpoint`/`loadCheckpoint` write it atomically to a run's directory and read it back
 * with a size bound. Decoding checks every field and every value before any of it is used.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { readFileBounded } from "../util/readBounded.js";
import type { DataFingerprint } from "../data/fingerprint.js";
import { decodeStateDict, encodeStateDict, type ModelStateDict } from "../nn/stateDict.js";
import type { Sequential } from "../nn/index.js";
import { modelFromConfig } from "../nn/modelConfig.js";
import { createOptimizer, type OptimizerStateDict } from "../optim/index.js";
import {
  checkClassNames,
  checkDataFingerprint,
  checkEvaluation,
  checkFitSettings,
  checkHistory,
  checkProgress,
  checkRng,
  checkRunState,
  count,
  failer,
  object,
} from "./checkpointCheck.js";
import type { KernelEnvironment } from "../kernels/environment.js";
import { checkEnvironments } from "./environments.js";
import type { EpochMetrics, Evaluation, StepEvaluation } from "./record.js";

export type { EpochMetrics, Evaluation, StepEvaluation } from "./record.js";

export const CHECKPOINT_FILE = "checkpoint.json";
const FORMAT = "bamsprod-checkpoint";
const VERSION = 2;

/** The settings of fit that a resumed run must keep. */
export interface FitSettings {
  optimizer: string;
  optimizerOptions: Record<string, unknown>;
  epochs: number;
  batchSize: number;
  seed: number;
  schedule: string;
  augment: { padding: number; flip: boolean } | null;
  /** Sub-epoch evaluation every this many steps, and on how many validation images (null: all); null: off. Absent in older checkpoints. */
  evalEvery?: number | null;
  evalSize?: number | null;
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
  /** Sub-epoch evaluations of this epoch so far (evalEvery); absent in older checkpoints. */
  evals?: StepEvaluation[];
}

export interface CheckpointState {
  fit: FitSettings;
  /** The caller's own record of the run (the CLI's TrainConfig), checked by the caller on resume. */
  config: Record<string, unknown> | null;
  /** model.config(): rebuilds the architecture. */
  model: Record<string, unknown>;
  /** Class names of the training data, index-aligned with the labels, when known. */
  classNames: string[] | null;
  /**
   * The fingerprint of the sets trained on (after the validation split): resume refuses other
   * data. Null only in checkpoints written before it was recorded.
   */
  data: DataFingerprint | null;
  progress: EpochProgress;
  step: number;
  history: EpochMetrics[];
  tensors: ModelStateDict;
  optimizer: OptimizerStateDict;
  rng: number[];
  /** Factor on the schedule's learning rate (ReduceLROnPlateau). */
  lrScale: number;
  /** Why training ended before its last epoch (early stopping), or null. */
  stopReason: string | null;
  /** The final test evaluation, once training has finished. */
  test: Evaluation | null;
  /**
   * What the run computed with (kernel set, CPU model and vector paths, BLAS core type,
   * threads), in order: a run resumed elsewhere lists each. Absent in older checkpoints.
   */
  environments?: KernelEnvironment[];
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/** The checkpoint as JSON text, tensors in lossless base64. */
export function encodeCheckpoint(state: CheckpointState): string {
  const { data, ...rest } = state;
  return JSON.stringify({
    format: FORMAT,
    version: VERSION,
    ...rest,
    ...(data === null ? {} : { data }),
    tensors: encodeStateDict(state.tensors),
  });
}

/**
 * Parses and checks a checkpoint (text or bytes of `encodeCheckpoint`); `source` starts every
 * error message. Checks the envelope, every field's type and range, the progress against the
 * history and the data, the tensors' encoding, and the optimizer state (by loading it into a
 * fresh optimizer of the run's kind, which checks its invariants). The tensors' values are
 * checked against the model when they are loaded into it (`restoreModel`).
 */
export function decodeCheckpoint(text: string | Uint8Array, source = "checkpoint"): CheckpointState {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof text === "string" ? text : Buffer.from(text).toString("utf8"));
  } catch (err) {
    throw new BamsprodError(`${source} is not valid JSON (${(err as Error).message})`);
  }
  const fail = failer(source);
  const d = object(doc, "the document", fail);
  if (d.format !== FORMAT || d.version !== VERSION) {
    throw new BamsprodError(
      `${source} is not a bamsprod checkpoint of version ${VERSION} (format ${show(d.format)}, version ${show(d.version)})`,
    );
  }
  const fit = checkFitSettings(d.fit, fail);
  const data = checkDataFingerprint(d.data, fail);
  const history = checkHistory(d.history, fail);
  const trainCount = data === null ? null : data.trainCount;
  const progress = checkProgress(d.progress, fit, history.length, trainCount, fail);
  const step = count(d.step, "step", fail);
  if (step < progress.steps)
    fail(`step (${step}) is below the steps of the epoch in progress (${progress.steps})`);
  if (d.config !== null) object(d.config, "config", fail);
  return {
    fit,
    config: d.config as Record<string, unknown> | null,
    model: object(d.model, "model", fail),
    classNames: checkClassNames(d.classNames, fail),
    data,
    progress,
    step,
    history,
    tensors: decodeStateDict(d.tensors, source),
    optimizer: checkOptimizerState(d.optimizer, fit, source),
    rng: checkRng(d.rng, fail),
    ...checkRunState(d, fail),
    test: checkEvaluation(d.test, fail),
    ...(d.environments === undefined ? {} : { environments: checkEnvironments(d.environments, fail) }),
  };
}

/** Loads the state into a fresh optimizer of the run's kind and options: that checks every value. */
function checkOptimizerState(value: unknown, fit: FitSettings, source: string): OptimizerStateDict {
  try {
    createOptimizer(fit.optimizer, fit.optimizerOptions).loadStateDict(value as OptimizerStateDict);
  } catch (err) {
    throw new BamsprodError(`${source}: optimizer state: ${(err as Error).message}`);
  }
  return value as OptimizerStateDict;
}

export function saveCheckpoint(dir: string, state: CheckpointState): void {
  writeFileAtomic(checkpointPath(dir), encodeCheckpoint(state));
}

/** Reads and checks the checkpoint of a run directory (at most LIMITS.fileBytes). */
export function loadCheckpoint(dir: string): CheckpointState {
  const path = checkpointPath(dir);
  if (!existsSync(path)) {
    throw new BamsprodError(`--resume: no checkpoint at ${path}; start without --resume`);
  }
  return decodeCheckpoint(readFileBounded(path), `checkpoint ${path}`);
}

/**
 * Copies the checkpoint's tensors into `model` (all checked first: present, sized, finite) and
 * checks what the optimizer implies about them: under Bop, binary tensors hold exactly -1 or
 * +1 once a step has been taken.
 */
export function restoreModel(model: Sequential, state: CheckpointState, source = "checkpoint"): void {
  model.loadStateDict(state.tensors, source);
  if (state.fit.optimizer !== "bop" || state.step === 0) return;
  for (const p of model.parameters()) {
    if (!p.binary) continue;
    const j = p.tensor.data.findIndex((v) => v !== 1 && v !== -1);
    if (j >= 0) {
      throw new BamsprodError(
        `${source}: binary tensor ${show(`param:${p.name}`)} holds ${show(p.tensor.data[j])} at index ${j}; ` +
          "under Bop binary weights are exactly -1 or +1",
      );
    }
  }
}

/**
 * The trained model of a checkpoint directory, rebuilt and restored (batch-norm statistics
 * included), for evaluation and export.
 */
export function loadModelFromCheckpoint(dir: string): { model: Sequential; state: CheckpointState } {
  const state = loadCheckpoint(dir);
  const source = `checkpoint ${checkpointPath(dir)}`;
  const model = modelFromConfig(state.model, { source });
  restoreModel(model, state, source);
  return { model, state };
}
