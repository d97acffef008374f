/**
 * The one training loop: data -> model -> loss -> gradients -> optimizer -> parameters, one
 * epoch at a time, with validation metrics, callbacks, checkpoints and clean stopping. The CLI's
 * `train`, `compare` (through it) and queue workers all call {@link fit}. Everything random
 * draws from seeded generators whose state is checkpointed, so a resumed run ends bit-identical
 * to an uninterrupted one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BamsprodError, show } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Rng } from "../util/random.js";
import { createOptimizer, Optimizer, type AnyOptimizer, type ParamTensor } from "../optim/index.js";
import { Tensor, backward, releaseGraph, softmaxCrossEntropy } from "../tensor/index.js";
import type { Sequential } from "../nn/index.js";
import {
  batches,
  fingerprintDifference,
  fingerprintSplits,
  splitValidation,
  subsample,
  type AugmentOptions,
  type DataFingerprint,
  type ImageSet,
} from "../data/index.js";
import { countCorrect, FlipCounter } from "./metrics.js";
import { parseSchedule } from "./scheduleSpec.js";
import {
  checkpointPath,
  loadCheckpoint,
  restoreModel,
  saveCheckpoint,
  type CheckpointState,
  type EpochMetrics,
  type EpochProgress,
  type Evaluation,
  type FitSettings,
  type StepEvaluation,
} from "./checkpoint.js";
import type { BatchLogs, Callback, FitContext } from "./callbacks.js";
import { kernelEnvironment, type KernelEnvironment } from "../kernels/environment.js";
import { metricsText, resumeEnvironments } from "./environments.js";
import { plural } from "../util/plural.js";
import { acquireOutputDir } from "./outputDir.js";
import { METRICS_FILE } from "./record.js";
import { checkBatchSize } from "../nn/sizeCheck.js";

/** The data of a fit: a training set, and optionally validation and test sets. */
export interface FitData {
  train: ImageSet;
  /** Evaluated after every epoch (val_loss, val_accuracy). Or use `validationSplit`. */
  validation?: ImageSet | null;
  /** Evaluated once when training ends (every epoch too with `testEveryEpoch`). */
  test?: ImageSet | null;
}

export interface FitOptions {
  /** An optimizer name ("bamsprod", "adam", ...) or an optimizer object. Default "bamsprod". */
  optimizer?: string | AnyOptimizer;
  /** Options for a named optimizer (lr, beta1, ...). */
  optimizerOptions?: Record<string, unknown>;
  /** Default 5. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Learning-rate schedule: "constant", "cosine", "step:EPOCHS:FACTOR", "exp:RATE", "warmup:STEPS,...". Default "cosine". */
  schedule?: string;
  /** Seeds the shuffling, dropout, augmentation and the validation split. Default 1. */
  seed?: number;
  /** Images of the training set held out for validation (seeded), when `data.validation` is not given. */
  validationSplit?: number;
  /** Evaluate the test set after every epoch too (for curves). Default false. */
  testEveryEpoch?: boolean;
  /** Random crop with zero padding and horizontal flip of the training images. Default off. */
  augment?: boolean | AugmentOptions;
  /**
   * Also evaluate on the validation data every this many optimizer steps (and at step 0 and each
   * epoch's end), recorded in each epoch's `evals`: convergence curves finer than an epoch.
   */
  evalEvery?: number;
  /**
   * Images of the validation data those evaluations use: a fixed class-balanced subset drawn
   * with the run's seed (the same images at every evaluation). Default: all of it.
   */
  evalSize?: number;
  /** Directory for checkpoint.json and metrics.jsonl, written after every epoch. */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir`. */
  resume?: boolean;
  callbacks?: readonly Callback[];
  /** Stored in the checkpoint as is (the CLI keeps its configuration there). */
  runRecord?: Record<string, unknown>;
  /**
   * Receives the one line fit has to say (resuming on another kernel set or CPU kind: the bits
   * may differ from an uninterrupted run). Default: the line on stderr.
   */
  onNotice?: (line: string) => void;
}

export interface FitResult {
  /** Per-epoch metrics (a resumed run's earlier epochs included). */
  history: EpochMetrics[];
  /** The test set's loss and accuracy after training, or null (no test set, or interrupted). */
  test: Evaluation | null;
  /** True when a callback interrupted the run mid-way (a checkpoint was saved if there is a directory). */
  interrupted: boolean;
  /** Why training ended before its last epoch (early stopping), or null. */
  stopReason: string | null;
  model: Sequential;
  /** What the run computed with, in order (a resumed run's earlier environments included). */
  environments: KernelEnvironment[];
}

export { METRICS_FILE };
const EVAL_BATCH = 500;
const defaults = { optimizer: "bamsprod", epochs: 5, batchSize: 128, schedule: "cosine", seed: 1 } as const;

/**
 * Trains `model` on `data`: per epoch, shuffled mini-batches of the training set, then the
 * training and validation metrics; the test set once at the end.
 * @throws BamsprodError for bad options, a data shape the model does not take, or a checkpoint
 *   of another run.
 * @example
 * const result = await fit(model, { train, test }, {
 *   optimizer: "bamsprod", epochs: 10, validationSplit: 5000,
 *   callbacks: [new EarlyStopping({ monitor: "val_accuracy", patience: 2 })],
 * });
 * console.log(result.history.at(-1)?.val_accuracy, result.test?.accuracy);
 */
export async function fit(model: Sequential, data: FitData, options: FitOptions = {}): Promise<FitResult> {
  const optimizer = resolveOptimizer(options);
  const settings = fitSettings(options, optimizer);
  const sets = resolveSets(model, data, options, settings.seed);
  const evalSet = stepEvalSet(sets, settings);
  checkBatchSize(model.size, Math.max(settings.batchSize, EVAL_BATCH)); // before any allocation
  const dir = options.checkpointDir;
  if (dir === undefined) return fitSets(model, sets, evalSet, optimizer, settings, options);
  // The directory is this run's until it ends: a second run on it is refused, naming this one.
  const out = acquireOutputDir(dir);
  try {
    if (options.resume !== true && existsSync(checkpointPath(dir))) {
      throw new BamsprodError(
        `${show(dir)} already holds a checkpoint: pass --resume to continue it, or choose another --out directory`,
      );
    }
    return await fitSets(model, sets, evalSet, optimizer, settings, options);
  } finally {
    out.release();
  }
}

async function fitSets(
  model: Sequential,
  sets: Sets,
  evalSet: ImageSet | null,
  optimizer: AnyOptimizer,
  settings: FitSettings,
  options: FitOptions,
): Promise<FitResult> {
  const stepsPerEpoch = Math.ceil(sets.train.count / settings.batchSize);
  const schedule = parseSchedule(settings.schedule, { epochs: settings.epochs, stepsPerEpoch });
  const dir = options.checkpointDir;
  const saved = dir !== undefined && options.resume === true ? loadCheckpoint(dir) : null;
  const fingerprint = dir === undefined ? null : fingerprintSplits(sets.train, sets.validation, sets.test);
  if (saved !== null) checkResumable(saved, settings, model, fingerprint);
  const notice = options.onNotice ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const environments =
    saved === null
      ? [kernelEnvironment()]
      : resumeEnvironments(saved.environments ?? [], kernelEnvironment(), notice);

  const baseLr = optimizer.lr;
  const params = model.parameters();
  const stepParams = optimizerParams(model);
  const rng = new Rng(settings.seed ^ 0x5bd1e995);
  const run = {
    step: 0,
    history: [] as EpochMetrics[],
    progress: freshProgress(0),
    lrScale: 1,
    stopReason: null as string | null,
    interrupted: false,
  };
  if (saved !== null) {
    restoreModel(model, saved, `checkpoint ${checkpointPath(dir as string)}`);
    optimizer.loadStateDict(saved.optimizer);
    rng.setState(saved.rng);
    Object.assign(run, {
      step: saved.step,
      history: saved.history,
      progress: saved.progress,
      lrScale: saved.lrScale,
      stopReason: saved.stopReason,
    });
  }
  const evalEvery = settings.evalEvery ?? null;
  /** Training seconds of the finished epochs (evaluations are not counted). */
  const pastSeconds = (): number => run.history.reduce((sum, m) => sum + m.seconds, 0);
  const stepEvaluation = (seconds: number, known?: Evaluation): StepEvaluation => {
    const e = known ?? evaluate(model, evalSet as ImageSet);
    return { step: run.step, seconds, val_loss: e.loss, val_accuracy: e.accuracy };
  };
  if (evalEvery !== null && run.step === 0) run.progress.evals = [stepEvaluation(0)];
  const ctx: FitContext = {
    model,
    epochs: settings.epochs,
    get history() {
      return run.history;
    },
    hasValidation: sets.validation !== null,
    testEveryEpoch: options.testEveryEpoch === true && sets.test !== null,
    get lrScale() {
      return run.lrScale;
    },
    set lrScale(v: number) {
      if (!(v > 0 && Number.isFinite(v)))
        throw new BamsprodError(`lrScale must be a number > 0, got ${show(v)}`);
      run.lrScale = v;
    },
    stopTraining: (reason) => void (run.stopReason = reason),
    interrupt: () => void (run.interrupted = true),
  };
  const callbacks = options.callbacks ?? [];
  const snapshot = (test: Evaluation | null): CheckpointState => ({
    fit: settings,
    config: options.runRecord ?? null,
    model: model.config(),
    classNames: sets.train.classNames ?? null,
    data: fingerprint,
    progress: run.progress,
    step: run.step,
    history: run.history,
    tensors: model.stateDict(),
    optimizer: optimizer.stateDict(),
    rng: rng.getState(),
    lrScale: run.lrScale,
    stopReason: run.stopReason,
    test,
    environments,
  });
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);

  const flips = new FlipCounter(params.filter((p) => p.binary).map((p) => p.tensor.data));
  const pixels = sets.train.shape[0] * sets.train.shape[1] * sets.train.shape[2];
  while (run.progress.epoch < settings.epochs && run.stopReason === null) {
    const progress = run.progress;
    let epochStart = performance.now();
    let index = 0;
    const epochBatches = batches(sets.train, settings.batchSize, {
      shuffle: true,
      seed: settings.seed,
      epoch: progress.epoch,
      augment: settings.augment ?? false,
    });
    for (const batch of epochBatches) {
      if (index++ < progress.batch) continue; // resuming inside an epoch: the order is a function of (seed, epoch)
      const x = new Tensor(batch.x.subarray(0, batch.size * pixels), [batch.size, ...sets.train.shape]);
      const labels = batch.y.subarray(0, batch.size);
      for (const p of params) p.tensor.zeroGrad();
      const logits = model.forward(x, { training: true, rng });
      const loss = softmaxCrossEntropy(logits, labels);
      backward(loss);
      optimizer.lr = baseLr * schedule(run.step) * run.lrScale;
      optimizer.step(stepParams); // clips binary latent weights itself (its clip option)
      run.step++;
      const lossValue = loss.item();
      progress.lossSum += lossValue * batch.size;
      progress.correct += countCorrect(logits.data, labels, batch.size);
      releaseGraph(loss); // the step's intermediate results: the next step reuses their memory
      progress.seen += batch.size;
      progress.flipSum += flips.step();
      progress.steps++;
      progress.batch++;
      if (evalEvery !== null && run.step % evalEvery === 0 && progress.batch < stepsPerEpoch) {
        const evalStart = performance.now();
        const seconds = pastSeconds() + progress.seconds + (evalStart - epochStart) / 1000;
        progress.evals = [...(progress.evals ?? []), stepEvaluation(seconds)];
        epochStart += performance.now() - evalStart; // the evaluation is not training time
      }
      const logs: BatchLogs = {
        epoch: progress.epoch,
        batch: progress.batch,
        batches: stepsPerEpoch,
        loss: lossValue,
        meanLoss: progress.lossSum / progress.seen,
      };
      for (const cb of callbacks) await cb.onBatchEnd?.(logs, ctx);
      // Yield to the event loop so Ctrl-C (SIGINT) handlers and progress redraws can run.
      await new Promise((resolve) => setImmediate(resolve));
      if (run.interrupted) {
        progress.seconds += (performance.now() - epochStart) / 1000;
        if (dir !== undefined) saveCheckpoint(dir, snapshot(null));
        return { history: run.history, test: null, interrupted: true, stopReason: null, model, environments };
      }
    }
    progress.seconds += (performance.now() - epochStart) / 1000;
    const metrics = epochMetrics(model, sets, progress, optimizer.lr, ctx.testEveryEpoch);
    metrics.step = run.step;
    if (evalEvery !== null) {
      const end = pastSeconds() + progress.seconds;
      // On the whole validation split, the epoch's own evaluation is the one at its end.
      const known =
        evalSet === sets.validation
          ? { loss: metrics.val_loss as number, accuracy: metrics.val_accuracy as number, count: 0 }
          : undefined;
      metrics.evals = [...(progress.evals ?? []), stepEvaluation(end, known)];
    }
    run.history = [...run.history, metrics];
    run.progress = freshProgress(progress.epoch + 1);
    for (const cb of callbacks) await cb.onEpochEnd?.(metrics, ctx);
    if (dir !== undefined) {
      saveCheckpoint(dir, snapshot(null));
      writeFileAtomic(join(dir, METRICS_FILE), metricsText(run.history, environments));
    }
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  const test = sets.test === null ? null : evaluate(model, sets.test);
  if (dir !== undefined) saveCheckpoint(dir, snapshot(test));
  return { history: run.history, test, interrupted: false, stopReason: run.stopReason, model, environments };
}

/**
 * Loss and accuracy of `model` on a labelled set, in evaluation mode (batch-norm running
 * statistics, no dropout).
 * @example const { accuracy } = evaluate(model, testSet);
 */
export function evaluate(model: Sequential, set: ImageSet, batchSize = EVAL_BATCH): Evaluation {
  let correct = 0;
  let lossSum = 0;
  const rng = new Rng(0);
  const pixels = set.shape[0] * set.shape[1] * set.shape[2];
  for (const batch of batches(set, batchSize, { shuffle: false, seed: 0, epoch: 0 })) {
    const x = new Tensor(batch.x.subarray(0, batch.size * pixels), [batch.size, ...set.shape]);
    const labels = batch.y.subarray(0, batch.size);
    const logits = model.forward(x, { training: false, rng });
    lossSum += softmaxCrossEntropy(logits, labels).item() * batch.size;
    correct += countCorrect(logits.data, labels, batch.size);
  }
  return {
    loss: set.count === 0 ? 0 : lossSum / set.count,
    accuracy: set.count === 0 ? 0 : correct / set.count,
    count: set.count,
  };
}

/** Class probabilities and predicted classes of raw-pixel images [count, ...model.inputShape]. */
export interface Prediction {
  /** [count, classes], row-major: softmax of the logits. */
  probabilities: Float32Array;
  /** Index of the most probable class of each image. */
  classes: Int32Array;
}

/**
 * Runs `model` in evaluation mode on `count` images of raw pixels 0..255, NCHW.
 * @example const { classes } = predict(model, testSet.images, testSet.count);
 */
export function predict(model: Sequential, images: Uint8Array | Float32Array, count: number): Prediction {
  const pixels = model.inputShape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count < 0 || images.length !== count * pixels) {
    throw new BamsprodError(
      `predict: ${count} images of shape [${model.inputShape.join(", ")}] need ${count * pixels} values, got ${images.length}`,
    );
  }
  const k = model.classes;
  const probabilities = new Float32Array(count * k);
  const classes = new Int32Array(count);
  const rng = new Rng(0);
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, count - start);
    const x = new Tensor(Float32Array.from(images.subarray(start * pixels, (start + n) * pixels)), [
      n,
      ...model.inputShape,
    ]);
    const logits = model.forward(x, { training: false, rng }).data;
    for (let r = 0; r < n; r++) {
      const row = logits.subarray(r * k, (r + 1) * k);
      const max = Math.max(...row);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(row[j] - max);
      let best = 0;
      for (let j = 0; j < k; j++) {
        probabilities[(start + r) * k + j] = Math.exp(row[j] - max) / sum;
        if (row[j] > row[best]) best = j;
      }
      classes[start + r] = best;
    }
  }
  return { probabilities, classes };
}

/** The model's parameters as an optimizer steps them: values and gradient buffers, in place. */
export function optimizerParams(model: Sequential): ParamTensor[] {
  return model.parameters().map((p) => ({
    name: p.name,
    value: p.tensor.data,
    grad: p.tensor.gradBuffer(),
    binary: p.binary,
  }));
}

function resolveOptimizer(options: FitOptions): AnyOptimizer {
  const o = options.optimizer ?? defaults.optimizer;
  if (typeof o === "string") return createOptimizer(o, options.optimizerOptions ?? {});
  if (!(o instanceof Optimizer)) {
    throw new BamsprodError(`fit: optimizer must be a name or an optimizer object, got ${show(o)}`);
  }
  if (options.optimizerOptions !== undefined) {
    throw new BamsprodError(
      "fit: optimizerOptions only apply to a named optimizer; set them on the optimizer object",
    );
  }
  return o;
}

function fitSettings(options: FitOptions, optimizer: AnyOptimizer): FitSettings {
  const epochs = options.epochs ?? defaults.epochs;
  const batchSize = options.batchSize ?? defaults.batchSize;
  const seed = options.seed ?? defaults.seed;
  for (const [name, v, min] of [
    ["epochs", epochs, 1],
    ["batchSize", batchSize, 1],
    ["seed", seed, 0],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min)
      throw new BamsprodError(`fit: ${name} must be an integer >= ${min}, got ${show(v)}`);
  }
  const schedule = options.schedule ?? defaults.schedule;
  parseSchedule(schedule, { epochs, stepsPerEpoch: 1 }); // a bad spec fails before any work
  for (const [name, v] of [
    ["evalEvery", options.evalEvery],
    ["evalSize", options.evalSize],
  ] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1))
      throw new BamsprodError(`fit: ${name} must be an integer >= 1, got ${show(v)}`);
  }
  if (options.evalSize !== undefined && options.evalEvery === undefined)
    throw new BamsprodError("fit: evalSize sizes the evaluations of evalEvery; give evalEvery too");
  const a = options.augment;
  const augment =
    a === undefined || a === false
      ? null
      : {
          padding: (a === true ? undefined : a.padding) ?? 4,
          flip: (a === true ? undefined : a.flip) ?? true,
        };
  if (augment !== null && !(Number.isInteger(augment.padding) && augment.padding >= 0)) {
    throw new BamsprodError(`fit: augment.padding must be an integer >= 0, got ${show(augment.padding)}`);
  }
  return {
    optimizer: optimizer.name,
    optimizerOptions: { ...optimizer.options },
    epochs,
    batchSize,
    seed,
    schedule,
    augment,
    evalEvery: options.evalEvery ?? null,
    evalSize: options.evalSize ?? null,
  };
}

/** The images of the every-K-steps evaluations: the validation set or its seeded subset; null without evalEvery. */
function stepEvalSet(sets: Sets, settings: FitSettings): ImageSet | null {
  if ((settings.evalEvery ?? null) === null) return null;
  if (sets.validation === null || sets.validation.count === 0)
    throw new BamsprodError(
      "fit: evalEvery evaluates on validation data; give validation data or validationSplit",
    );
  const size = settings.evalSize ?? null;
  if (size === null || size >= sets.validation.count) return sets.validation;
  return subsample(sets.validation, size, settings.seed);
}

interface Sets {
  train: ImageSet;
  validation: ImageSet | null;
  test: ImageSet | null;
}

function resolveSets(model: Sequential, data: FitData, options: FitOptions, seed: number): Sets {
  let train = data.train;
  let validation = data.validation ?? null;
  if (options.validationSplit !== undefined && options.validationSplit > 0) {
    if (validation !== null)
      throw new BamsprodError("fit: give validation data or validationSplit, not both");
    const split = splitValidation(train, options.validationSplit, seed);
    train = split.train;
    validation = split.val;
  }
  const sets: Sets = { train, validation, test: data.test ?? null };
  if (train.count === 0) throw new BamsprodError("fit: the training set is empty");
  for (const [name, set] of Object.entries(sets) as Array<[string, ImageSet | null]>) {
    if (set === null) continue;
    if (set.count === 0 && name !== "train") {
      throw new BamsprodError(`fit: the ${name} set is empty (0 images); pass null for none`);
    }
    if (set.shape.join(",") !== model.inputShape.join(",")) {
      throw new BamsprodError(
        `fit: the ${name} images are [${set.shape.join(", ")}] but model ${show(model.name)} takes [${model.inputShape.join(", ")}]`,
      );
    }
    if (set.classes > model.classes) {
      throw new BamsprodError(
        `fit: the ${name} set has ${set.classes} classes but the model outputs ${model.classes}`,
      );
    }
  }
  return sets;
}

function freshProgress(epoch: number): EpochProgress {
  return { epoch, batch: 0, lossSum: 0, correct: 0, seen: 0, flipSum: 0, steps: 0, seconds: 0 };
}

function epochMetrics(
  model: Sequential,
  sets: Sets,
  p: EpochProgress,
  lr: number,
  withTest: boolean,
): EpochMetrics {
  const val = sets.validation === null ? null : evaluate(model, sets.validation);
  return {
    epoch: p.epoch + 1,
    train_loss: p.lossSum / p.seen,
    train_accuracy: p.correct / p.seen,
    val_loss: val?.loss ?? null,
    val_accuracy: val?.accuracy ?? null,
    test_accuracy: withTest && sets.test !== null ? evaluate(model, sets.test).accuracy : null,
    flip_ratio: p.steps === 0 ? 0 : p.flipSum / p.steps,
    seconds: p.seconds,
    lr,
  };
}

/** A checkpoint can only continue the same experiment: same data, model, optimizer, seed and batches. */
function checkResumable(
  saved: CheckpointState,
  wanted: FitSettings,
  model: Sequential,
  data: DataFingerprint | null,
): void {
  const dataDiff = saved.data === null || data === null ? null : fingerprintDifference(saved.data, data);
  if (dataDiff !== null) {
    throw new BamsprodError(
      `--resume: the checkpoint was trained on other data (${dataDiff}); use the same data as the run ` +
        "you are continuing, or a new --out directory",
    );
  }
  const keys = ["optimizer", "seed", "batchSize", "schedule", "evalEvery", "evalSize"] as const;
  for (const key of keys) {
    if ((saved.fit[key] ?? null) !== wanted[key]) {
      throw new BamsprodError(
        `--resume: the checkpoint was made with ${key} ${show(saved.fit[key])}, not ${show(wanted[key])}; ` +
          `use the same ${key} or a new --out directory`,
      );
    }
  }
  for (const [what, a, b] of [
    ["optimizer options", saved.fit.optimizerOptions, wanted.optimizerOptions],
    ["augmentation", saved.fit.augment, wanted.augment],
    ["model", saved.model.layers, model.config().layers],
  ] as const) {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new BamsprodError(
        `--resume: the checkpoint was made with another ${what} (${JSON.stringify(a).slice(0, 200)})`,
      );
    }
  }
  // A cosine schedule spans the run's epochs: another length would change the rate mid-run.
  if (saved.fit.epochs !== wanted.epochs && saved.fit.schedule.includes("cosine")) {
    throw new BamsprodError(
      `--resume: the checkpoint's cosine schedule spans ${plural(saved.fit.epochs, "epoch")}; --epochs ${wanted.epochs} ` +
        `would change the learning rate mid-run. Use --epochs ${saved.fit.epochs}, or train with a schedule ` +
        "that does not depend on the run's length (constant, step, exp)",
    );
  }
}
