/**
 * The invariants of a checkpoint document, checked field by field before any of it is used:
 * a malformed, truncated or edited checkpoint is one BamsprodError naming the field and the
 * value, never a TypeError halfway through a resumed epoch.
 */
import type { DataFingerprint } from "../data/fingerprint.js";
import { BamsprodError, show } from "../util/errors.js";
import { checkLimit, LIMITS } from "../util/limits.js";
import type { EpochProgress, FitSettings } from "./checkpoint.js";
import type { EpochMetrics, Evaluation, StepEvaluation } from "./record.js";

export type Fail = (problem: string) => never;

/** A failure function whose messages start with `source` ("checkpoint runs/a/checkpoint.json"). */
export function failer(source: string): Fail {
  return (problem: string): never => {
    throw new BamsprodError(`${source}: ${problem}; the checkpoint is corrupt or from another program`);
  };
}

export function object(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`${field} must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

export function count(value: unknown, field: string, fail: Fail, min = 0): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    fail(`${field} must be a whole number >= ${min}, got ${show(value)}`);
  }
  return value as number;
}

function finite(value: unknown, field: string, fail: Fail, min = -Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    fail(`${field} must be a finite number${min === 0 ? " >= 0" : ""}, got ${show(value)}`);
  }
  return value;
}

function fraction(value: unknown, field: string, fail: Fail): number {
  const v = finite(value, field, fail, 0);
  if (v > 1) fail(`${field} must be at most 1, got ${show(v)}`);
  return v;
}

function text(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== "string") fail(`${field} must be a string, got ${show(value)}`);
  return value as string;
}

function nullable<T>(value: unknown, check: (v: unknown) => T): T | null {
  return value === null ? null : check(value);
}

/** The settings of fit: types and ranges (the values themselves are compared on resume). */
export function checkFitSettings(value: unknown, fail: Fail): FitSettings {
  const f = object(value, "fit", fail);
  const options = object(f.optimizerOptions, "fit.optimizerOptions", fail);
  const batchSize = count(f.batchSize, "fit.batchSize", fail, 1);
  checkLimit("fit.batchSize of the checkpoint", batchSize, LIMITS.batchSize);
  const augment = nullable(f.augment, (a) => {
    const o = object(a, "fit.augment", fail);
    if (typeof o.flip !== "boolean") fail(`fit.augment.flip must be true or false, got ${show(o.flip)}`);
    return { padding: count(o.padding, "fit.augment.padding", fail), flip: o.flip as boolean };
  });
  return {
    optimizer: text(f.optimizer, "fit.optimizer", fail),
    optimizerOptions: options,
    epochs: count(f.epochs, "fit.epochs", fail, 1),
    batchSize,
    seed: count(f.seed, "fit.seed", fail),
    schedule: text(f.schedule, "fit.schedule", fail),
    augment,
    // Absent in checkpoints written before --eval-every existed: off.
    evalEvery: nullable(f.evalEvery ?? null, (v) => count(v, "fit.evalEvery", fail, 1)),
    evalSize: nullable(f.evalSize ?? null, (v) => count(v, "fit.evalSize", fail, 1)),
  };
}

/** Sub-epoch evaluations (absent without --eval-every): steps and seconds never go back. */
function checkEvals(value: unknown, field: string, fail: Fail): StepEvaluation[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(`${field} must be an array of evaluations, got ${show(value)}`);
  let last = { step: 0, seconds: 0 };
  return (value as unknown[]).map((entry, k) => {
    const e = object(entry, `${field}[${k}]`, fail);
    const at = (key: string): string => `${field}[${k}].${key}`;
    const v = {
      step: count(e.step, at("step"), fail),
      seconds: finite(e.seconds, at("seconds"), fail, 0),
      val_loss: finite(e.val_loss, at("val_loss"), fail, 0),
      val_accuracy: fraction(e.val_accuracy, at("val_accuracy"), fail),
    };
    if (v.step < last.step || v.seconds < last.seconds) fail(`${field}[${k}] goes back in steps or seconds`);
    last = v;
    return v;
  });
}

/** The data fingerprint (absent in checkpoints written before it existed: null). */
export function checkDataFingerprint(value: unknown, fail: Fail): DataFingerprint | null {
  if (value === undefined) return null;
  const d = object(value, "data", fail);
  const shapeOk =
    Array.isArray(d.shape) && d.shape.length === 3 && d.shape.every((v) => Number.isSafeInteger(v) && v > 0);
  const counts = [d.classes, d.trainCount, d.testCount, d.validationCount ?? 0];
  const countsOk = counts.every((v) => Number.isSafeInteger(v) && (v as number) >= 0);
  if (!shapeOk || !countsOk || typeof d.hash !== "string" || !/^[0-9a-f]{32}$/.test(d.hash)) {
    fail(
      `data must be { shape, classes, trainCount, testCount, validationCount?, hash }, got ${JSON.stringify(value).slice(0, 200)}`,
    );
  }
  return d as unknown as DataFingerprint;
}

/** The partial epoch's sums, consistent with each other, the settings and the finished epochs. */
export function checkProgress(
  value: unknown,
  fit: FitSettings,
  finished: number,
  trainCount: number | null,
  fail: Fail,
): EpochProgress {
  const p = object(value, "progress", fail);
  const epoch = count(p.epoch, "progress.epoch", fail);
  const batch = count(p.batch, "progress.batch", fail);
  const steps = count(p.steps, "progress.steps", fail);
  const seen = count(p.seen, "progress.seen", fail);
  const correct = count(p.correct, "progress.correct", fail);
  const lossSum = finite(p.lossSum, "progress.lossSum", fail, 0);
  const flipSum = finite(p.flipSum, "progress.flipSum", fail, 0);
  const seconds = finite(p.seconds, "progress.seconds", fail, 0);
  const batches = trainCount === null ? Infinity : Math.ceil(trainCount / fit.batchSize);
  if (epoch !== finished) fail(`progress.epoch is ${epoch} but ${finished} epochs are in the history`);
  if (epoch > fit.epochs || (epoch === fit.epochs && batch > 0) || batch > batches) {
    fail(
      `progress is at epoch ${epoch} batch ${batch}, beyond the run's ${fit.epochs} epochs` +
        (trainCount === null ? "" : ` of ${batches} batches`),
    );
  }
  if (steps !== batch) fail(`progress.steps (${steps}) must equal progress.batch (${batch})`);
  if (seen > batch * fit.batchSize || (batch > 0 && seen <= (batch - 1) * fit.batchSize)) {
    fail(`progress.seen (${seen}) does not fit ${batch} batches of ${fit.batchSize}`);
  }
  if (correct > seen) fail(`progress.correct (${correct}) exceeds progress.seen (${seen})`);
  if (flipSum > steps) fail(`progress.flipSum (${flipSum}) exceeds one flip ratio per step (${steps})`);
  const evals = checkEvals(p.evals, "progress.evals", fail);
  return {
    epoch,
    batch,
    lossSum,
    correct,
    seen,
    flipSum,
    steps,
    seconds,
    ...(evals === undefined ? {} : { evals }),
  };
}

/** The finished epochs' metrics: numbered 1, 2, ..., every number finite and in range. */
export function checkHistory(value: unknown, fail: Fail): EpochMetrics[] {
  if (!Array.isArray(value)) fail(`history must be an array of epoch records, got ${show(value)}`);
  return (value as unknown[]).map((entry, i) => {
    const m = object(entry, `history[${i}]`, fail);
    const at = (key: string): string => `history[${i}].${key}`;
    if (m.epoch !== i + 1) fail(`${at("epoch")} must be ${i + 1}, got ${show(m.epoch)}`);
    return {
      epoch: i + 1,
      train_loss: finite(m.train_loss, at("train_loss"), fail, 0),
      train_accuracy: fraction(m.train_accuracy, at("train_accuracy"), fail),
      val_loss: nullable(m.val_loss, (v) => finite(v, at("val_loss"), fail, 0)),
      val_accuracy: nullable(m.val_accuracy, (v) => fraction(v, at("val_accuracy"), fail)),
      test_accuracy: nullable(m.test_accuracy, (v) => fraction(v, at("test_accuracy"), fail)),
      flip_ratio: fraction(m.flip_ratio, at("flip_ratio"), fail),
      seconds: finite(m.seconds, at("seconds"), fail, 0),
      lr: finite(m.lr, at("lr"), fail, 0),
      ...(m.step === undefined ? {} : { step: count(m.step, at("step"), fail) }),
      ...(m.evals === undefined ? {} : { evals: checkEvals(m.evals, at("evals"), fail) }),
    };
  });
}

/** The final test evaluation, or null. */
export function checkEvaluation(value: unknown, fail: Fail): Evaluation | null {
  return nullable(value, (v) => {
    const e = object(v, "test", fail);
    return {
      loss: finite(e.loss, "test.loss", fail, 0),
      accuracy: fraction(e.accuracy, "test.accuracy", fail),
      count: count(e.count, "test.count", fail),
    };
  });
}

/** Class names: null or a list of strings. */
export function checkClassNames(value: unknown, fail: Fail): string[] | null {
  return nullable(value, (v) => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
      fail(`classNames must be null or a list of strings, got ${show(v)}`);
    }
    return v as string[];
  });
}

/**
 * The generator state: four 32-bit words (not all zero; Rng.getState gives them signed or
 * unsigned) and the cached normal (null in JSON: none).
 */
export function checkRng(value: unknown, fail: Fail): number[] {
  const words = Array.isArray(value) ? value.slice(0, 4) : [];
  const ok =
    Array.isArray(value) &&
    value.length === 5 &&
    words.every((w) => Number.isSafeInteger(w) && w >= -0x80000000 && w <= 0xffffffff) &&
    words.some((w) => w !== 0) &&
    (value[4] === null || (typeof value[4] === "number" && Number.isFinite(value[4])));
  if (!ok) fail(`rng must be [four 32-bit words, not all 0, then a number or null], got ${show(value)}`);
  const state = value as (number | null)[];
  return [...(state.slice(0, 4) as number[]), state[4] ?? Number.NaN];
}

/** lrScale (finite, > 0) and stopReason (null or a string). */
export function checkRunState(
  d: Record<string, unknown>,
  fail: Fail,
): { lrScale: number; stopReason: string | null } {
  const lrScale = finite(d.lrScale, "lrScale", fail);
  if (!(lrScale > 0)) fail(`lrScale must be > 0, got ${show(lrScale)}`);
  return { lrScale, stopReason: nullable(d.stopReason, (v) => text(v, "stopReason", fail)) };
}
