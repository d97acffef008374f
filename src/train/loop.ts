/**
 * The training loop: data -> model -> loss -> gradients -> optimizer -> parameters, one epoch
 * at a time, with evaluation, metrics, checkpoints and clean stopping. Everything random draws
 * from seeded generators whose state is checkpointed, so a resumed run ends bit-identical to an
 * uninterrupted one.
 */
import { mkdirSync, accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BamsprodError, show } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Rng } from "../util/random.js";
import { createOptimizer } from "../optim/index.js";
import { Tensor, backward, softmaxCrossEntropy } from "../tensor/index.js";
import { buildModel, type Sequential as Model } from "../nn/index.js";
import type { ImageSet } from "../data/index.js";
import { batches } from "../data/index.js";
import { validateTrainConfig, type TrainConfig } from "./config.js";
import { countCorrect, FlipCounter } from "./metrics.js";
import { loadTrainingData, type TrainingData } from "./data.js";
import { parseSchedule } from "./scheduleSpec.js";
import {
  checkpointPath,
  loadCheckpoint,
  modelTensors,
  restoreTensors,
  saveCheckpoint,
  type CheckpointState,
  type EpochMetrics,
  type EpochProgress,
} from "./checkpoint.js";

export interface TrainHooks {
  /** Called once the data and model are ready. */
  onStart?(info: {
    data: string;
    trainCount: number;
    valCount: number;
    testCount: number;
    batches: number;
  }): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number }): void;
  onEpoch?(metrics: EpochMetrics): void;
  /** Polled after every batch; returning true saves a checkpoint and stops. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  config: TrainConfig;
  history: EpochMetrics[];
  /** True when shouldStop() ended the run early (a checkpoint was saved). */
  stopped: boolean;
  data: string;
  model: Model;
}

export const METRICS_FILE = "metrics.jsonl";
const EVAL_BATCH = 500;

/** Trains a model as `config` says; with `resume`, continues from the checkpoint in config.out. */
export async function train(
  config: TrainConfig,
  resume = false,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  // Everything that can be checked without data is checked first, so bad input fails fast.
  validateTrainConfig(config);
  const optimizer = createOptimizer(config.optimizer, config.optimizerOptions);
  parseSchedule(config.lrSchedule, { epochs: config.epochs, stepsPerEpoch: 1 });
  prepareOutputDir(config.out, resume);
  const saved = resume ? loadCheckpoint(config.out) : null;
  if (saved !== null) checkResumable(saved.config, config);

  const data = loadTrainingData(config);
  const model = buildModel(config.model, {
    inputShape: [...data.train.shape],
    classes: data.train.classes,
    seed: config.seed,
  });
  const baseLr = optimizer.lr;
  const params = model.parameters();
  const binaryValues = params.filter((p) => p.binary).map((p) => p.tensor.data);
  const stepParams = params.map((p) => ({
    name: p.name,
    value: p.tensor.data,
    grad: p.tensor.gradBuffer(),
    binary: p.binary,
  }));
  const rng = new Rng(config.seed ^ 0x5bd1e995);
  const batchesPerEpoch = Math.ceil(data.train.count / config.batchSize);
  const schedule = parseSchedule(config.lrSchedule, {
    epochs: config.epochs,
    stepsPerEpoch: batchesPerEpoch,
  });

  let step = 0;
  let history: EpochMetrics[] = [];
  let progress = freshProgress(0);
  if (saved !== null) {
    restoreTensors(model, saved.tensors);
    optimizer.loadStateDict(saved.optimizer as Parameters<typeof optimizer.loadStateDict>[0]);
    rng.setState(saved.rng);
    step = saved.step;
    history = saved.history;
    progress = saved.progress;
  }
  const flips = new FlipCounter(binaryValues);
  const snapshot = (): CheckpointState => ({
    config,
    modelShape: { inputShape: [...data.train.shape], classes: data.train.classes },
    progress,
    step,
    history,
    tensors: modelTensors(model),
    optimizer: optimizer.stateDict(),
    rng: rng.getState(),
  });

  hooks.onStart?.({
    data: data.source,
    trainCount: data.train.count,
    valCount: data.val?.count ?? 0,
    testCount: data.test.count,
    batches: batchesPerEpoch,
  });

  while (progress.epoch < config.epochs) {
    const epochStart = performance.now();
    let index = 0;
    for (const batch of batches(data.train, config.batchSize, {
      shuffle: true,
      seed: config.seed,
      epoch: progress.epoch,
    })) {
      if (index++ < progress.batch) continue; // resuming inside an epoch: the order is a function of (seed, epoch)
      const pixels = data.train.shape[0] * data.train.shape[1] * data.train.shape[2];
      const x = new Tensor(batch.x.subarray(0, batch.size * pixels), [batch.size, ...data.train.shape]);
      const labels = batch.y.subarray(0, batch.size);
      for (const p of params) p.tensor.zeroGrad();
      const logits = model.forward(x, { training: true, rng });
      const loss = softmaxCrossEntropy(logits, labels);
      backward(loss);
      optimizer.lr = baseLr * schedule(step);
      optimizer.step(stepParams);
      model.applyConstraints();
      step++;
      const lossValue = loss.item();
      progress.lossSum += lossValue * batch.size;
      progress.correct += countCorrect(logits.data, labels, batch.size);
      progress.seen += batch.size;
      progress.flipSum += flips.step();
      progress.steps++;
      progress.batch++;
      hooks.onBatch?.({
        epoch: progress.epoch,
        batch: progress.batch,
        batches: batchesPerEpoch,
        loss: lossValue,
      });
      // Yield to the event loop so Ctrl-C (SIGINT) handlers and progress redraws can run.
      await new Promise((resolve) => setImmediate(resolve));
      if (hooks.shouldStop?.() === true) {
        progress.seconds += (performance.now() - epochStart) / 1000;
        saveCheckpoint(config.out, snapshot());
        return { config, history, stopped: true, data: data.source, model };
      }
    }
    progress.seconds += (performance.now() - epochStart) / 1000;
    const metrics = finishEpoch(model, data, progress, optimizer.lr, rng);
    history = [...history, metrics];
    progress = freshProgress(progress.epoch + 1);
    saveCheckpoint(config.out, snapshot());
    writeMetrics(config.out, history);
    hooks.onEpoch?.(metrics);
  }
  return { config, history, stopped: false, data: data.source, model };
}

function freshProgress(epoch: number): EpochProgress {
  return { epoch, batch: 0, lossSum: 0, correct: 0, seen: 0, flipSum: 0, steps: 0, seconds: 0 };
}

function finishEpoch(model: Model, data: TrainingData, p: EpochProgress, lr: number, rng: Rng): EpochMetrics {
  return {
    epoch: p.epoch + 1,
    train_loss: p.lossSum / p.seen,
    train_accuracy: p.correct / p.seen,
    val_accuracy: data.val === null ? null : evaluate(model, data.val, rng),
    test_accuracy: evaluate(model, data.test, rng),
    flip_ratio: p.steps === 0 ? 0 : p.flipSum / p.steps,
    seconds: p.seconds,
    lr,
  };
}

/** Accuracy of the model in evaluation mode (batch-norm running statistics, no dropout). */
export function evaluate(model: Model, set: ImageSet, rng: Rng): number {
  let correct = 0;
  const pixels = set.shape[0] * set.shape[1] * set.shape[2];
  for (const batch of batches(set, EVAL_BATCH, { shuffle: false, seed: 0, epoch: 0 })) {
    const x = new Tensor(batch.x.subarray(0, batch.size * pixels), [batch.size, ...set.shape]);
    const logits = model.forward(x, { training: false, rng });
    correct += countCorrect(logits.data, batch.y, batch.size);
  }
  return correct / set.count;
}

/** A checkpoint can only continue the same experiment: same model, optimizer, data and seed. */
function checkResumable(saved: TrainConfig, wanted: TrainConfig): void {
  const keys = ["model", "optimizer", "seed", "batchSize", "valSize", "trainSize", "lrSchedule"] as const;
  for (const key of keys) {
    if (saved[key] !== wanted[key]) {
      throw new BamsprodError(
        `--resume: the checkpoint was made with ${key} ${show(saved[key])}, not ${show(wanted[key])}; ` +
          `use the same ${key} or a new --out directory`,
      );
    }
  }
  const a = JSON.stringify(saved.optimizerOptions);
  const b = JSON.stringify(wanted.optimizerOptions);
  if (a !== b)
    throw new BamsprodError(`--resume: the checkpoint was made with optimizer options ${a}, not ${b}`);
  // A cosine schedule spans the run's epochs: another length would change the rate mid-run.
  if (saved.epochs !== wanted.epochs && saved.lrSchedule.includes("cosine")) {
    throw new BamsprodError(
      `--resume: the checkpoint's cosine schedule spans ${saved.epochs} epochs; --epochs ${wanted.epochs} ` +
        `would change the learning rate mid-run. Use --epochs ${saved.epochs}, or train with a schedule ` +
        "that does not depend on the run's length (constant, step, exp)",
    );
  }
}

function prepareOutputDir(dir: string, resume: boolean): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new BamsprodError(
      `cannot write to output directory ${show(dir)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!resume && existsSync(checkpointPath(dir))) {
    throw new BamsprodError(
      `${show(dir)} already holds a checkpoint: pass --resume to continue it, or choose another --out directory`,
    );
  }
}

function writeMetrics(dir: string, history: EpochMetrics[]): void {
  writeFileAtomic(join(dir, METRICS_FILE), history.map((m) => JSON.stringify(m)).join("\n") + "\n");
}
