/**
 * One training run as the CLI describes it (a TrainConfig): checks everything that needs no
 * data, loads the data, builds the model (a built-in name or a model file) and hands both to
 * {@link fit}, the one training loop, with the callbacks the configuration asks for.
 */
import { join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { createOptimizer } from "../optim/index.js";
import type { Sequential } from "../nn/index.js";
import type { KernelEnvironment } from "../kernels/environment.js";
import { validateTrainConfig, type TrainConfig } from "./config.js";
import { loadTrainingData } from "./data.js";
import { checkpointPath, loadCheckpoint, type EpochMetrics, type Evaluation } from "./checkpoint.js";
import { fit } from "./fit.js";
import { BEST_MODEL_FILE, METRICS_FILE } from "./record.js";
import {
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  type BatchLogs,
  type Callback,
} from "./callbacks.js";
import { resolveModelSpec } from "./modelSpec.js";
import { existsSync } from "node:fs";

export { BEST_MODEL_FILE, METRICS_FILE };

export interface TrainHooks {
  /** Called once the data and model are ready. */
  onStart?(info: {
    data: string;
    trainCount: number;
    valCount: number;
    testCount: number;
    batches: number;
    model: Sequential;
    /** With --resume: where the checkpoint continues (0-based epoch, batches of it already done). */
    resumeAt: { epoch: number; batch: number } | null;
  }): void;
  onBatch?(info: BatchLogs): void;
  onEpoch?(metrics: EpochMetrics): void;
  /** Polled after every batch; returning true saves a checkpoint and stops. */
  shouldStop?(): boolean;
  /** One line to show (see FitOptions.onNotice); default: on stderr. */
  onNotice?(line: string): void;
}

export interface TrainResult {
  config: TrainConfig;
  history: EpochMetrics[];
  /** The final test evaluation (null when stopped). */
  test: Evaluation | null;
  /** True when shouldStop() ended the run early (a checkpoint was saved). */
  stopped: boolean;
  /** Why training ended before its last epoch (early stopping), or null. */
  stopReason: string | null;
  data: string;
  model: Sequential;
  /** What the run computed with (see FitResult.environments). */
  environments: KernelEnvironment[];
}

/** Trains a model as `config` says; with `resume`, continues from the checkpoint in config.out. */
export async function train(
  config: TrainConfig,
  resume = false,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  // Everything that can be checked without data is checked first, so bad input fails fast.
  validateTrainConfig(config);
  const modelSpec = resolveModelSpec(config.model, { width: config.width });
  createOptimizer(config.optimizer, config.optimizerOptions);
  let resumeAt: { epoch: number; batch: number } | null = null;
  if (resume) {
    if (!existsSync(checkpointPath(config.out))) {
      throw new BamsprodError(
        `--resume: no checkpoint at ${checkpointPath(config.out)}; start without --resume`,
      );
    }
    const checkpoint = loadCheckpoint(config.out);
    checkResumable(checkpoint.config as unknown as TrainConfig, config);
    resumeAt = { epoch: checkpoint.progress.epoch, batch: checkpoint.progress.batch };
  }
  const data = loadTrainingData(config);
  const model = modelSpec.build({
    inputShape: [...data.train.shape],
    classes: data.train.classes,
    seed: config.seed,
  });
  const batches = Math.ceil(data.train.count / config.batchSize);
  hooks.onStart?.({
    data: data.source,
    trainCount: data.train.count,
    valCount: data.val?.count ?? 0,
    testCount: data.test.count,
    batches,
    model,
    resumeAt,
  });
  const result = await fit(
    model,
    { train: data.train, validation: data.val, test: data.test },
    {
      optimizer: config.optimizer,
      optimizerOptions: config.optimizerOptions,
      epochs: config.epochs,
      batchSize: config.batchSize,
      schedule: config.lrSchedule,
      seed: config.seed,
      testEveryEpoch: config.testEveryEpoch,
      evalEvery: config.evalEvery,
      evalSize: config.evalSize,
      augment: config.augment ?? false,
      checkpointDir: config.out,
      resume,
      callbacks: [...configCallbacks(config), hookCallback(hooks)],
      runRecord: { ...config },
      ...(hooks.onNotice === undefined ? {} : { onNotice: hooks.onNotice }),
    },
  );
  return {
    config,
    history: result.history,
    test: result.test,
    stopped: result.interrupted,
    stopReason: result.stopReason,
    data: data.source,
    model,
    environments: result.environments,
  };
}

/** EarlyStopping, the best-model file and ReduceLROnPlateau, as the configuration asks. */
function configCallbacks(config: TrainConfig): Callback[] {
  const callbacks: Callback[] = [];
  const monitor = config.monitor ?? "val_accuracy";
  if (config.saveBest === true) {
    callbacks.push(
      new ModelCheckpoint({ path: join(config.out, BEST_MODEL_FILE), monitor, restoreBest: true }),
    );
  }
  if (config.reduceLrPatience !== undefined) {
    callbacks.push(
      new ReduceLROnPlateau({
        monitor,
        patience: config.reduceLrPatience,
        factor: config.reduceLrFactor ?? 0.1,
      }),
    );
  }
  if (config.earlyStopping !== undefined) {
    callbacks.push(new EarlyStopping({ monitor, patience: config.earlyStopping }));
  }
  return callbacks;
}

function hookCallback(hooks: TrainHooks): Callback {
  return {
    onBatchEnd: (logs, ctx) => {
      hooks.onBatch?.(logs);
      if (hooks.shouldStop?.() === true) ctx.interrupt();
    },
    onEpochEnd: (m) => hooks.onEpoch?.(m),
  };
}

/** A checkpoint can only continue the same experiment: same model, optimizer, data and seed. */
function checkResumable(saved: TrainConfig | null, wanted: TrainConfig): void {
  if (saved === null) {
    throw new BamsprodError(
      "--resume: the checkpoint was not written by `bamsprod train`; resume it with fit()",
    );
  }
  const keys = [
    "model",
    "width",
    "optimizer",
    "seed",
    "batchSize",
    "valSize",
    "trainSize",
    "lrSchedule",
    "data",
    "evalEvery",
    "evalSize",
  ] as const;
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
}
