/**
 * The records a training run writes, one type each, shared by `train`, `fit`, `compare` and the
 * docs (docs/records.md, checked against these by a test): a line of metrics.jsonl per epoch,
 * and the summary `bamsprod train --json` prints at the end.
 */
import type { KernelEnvironment } from "../kernels/environment.js";

/** The file of a run's directory that holds a header line, then one EpochMetrics per line. */
export const METRICS_FILE = "metrics.jsonl";

/** The file `--save-best` writes in a run's directory: the best weights seen (a model file). */
export const BEST_MODEL_FILE = "best.json";

/**
 * One epoch's metrics: one line of metrics.jsonl. Training and validation every epoch; the test
 * set only when asked for (testEveryEpoch), else null: it is evaluated once, at the end.
 */
export interface EpochMetrics {
  /** Epochs finished so far, counted from 1. */
  epoch: number;
  /** Mean cross-entropy over the epoch's training batches. */
  train_loss: number;
  train_accuracy: number;
  /** On the validation set; null without one. */
  val_loss: number | null;
  val_accuracy: number | null;
  /** Only with testEveryEpoch (--test-every-epoch), else null. */
  test_accuracy: number | null;
  /** Mean fraction of binary weights whose sign changed per step. */
  flip_ratio: number;
  seconds: number;
  /** The learning rate of the epoch's last step. */
  lr: number;
  /** Optimizer steps since the start of the run, at the end of this epoch. */
  step?: number;
  /**
   * The evaluations made every `evalEvery` steps during this epoch (fit's evalEvery), the first
   * epoch's at step 0 included, the epoch's end included; absent without evalEvery.
   */
  evals?: StepEvaluation[];
}

/** One sub-epoch evaluation on the validation split (or its fixed seeded subset). */
export interface StepEvaluation {
  /** Optimizer steps since the start of the run. */
  step: number;
  /** Training seconds since the start of the run (evaluations not counted). */
  seconds: number;
  val_loss: number;
  val_accuracy: number;
}

/** Loss and accuracy of a model on a labelled set. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** What `bamsprod train --json` prints on stdout: one JSON object, at the end of the run. */
export interface TrainSummary {
  model: string;
  optimizer: string;
  /** The run's whole configuration (TrainConfig). */
  options?: Record<string, unknown>;
  seed: number;
  /** What data was loaded (format, path, counts). */
  data?: string;
  /** Epochs finished. */
  epochs: number;
  /** Training seconds summed over the finished epochs. */
  seconds: number;
  /** The last epoch's numbers, null when no epoch finished. */
  train_loss: number | null;
  val_accuracy: number | null;
  /** The final test evaluation, null when stopped early or without a test set. */
  test_accuracy: number | null;
  test_loss?: number | null;
  /** True when Ctrl-C or SIGTERM stopped the run (a checkpoint was saved). */
  stopped?: boolean;
  /** Why training ended before its last epoch (early stopping), or null. */
  stop_reason?: string | null;
  /** What the run computed with (kernel set, CPU kind, threads), in order; absent in older runs. */
  environments?: unknown;
}

/** The summary of a finished or stopped run. */
export function trainSummary(run: {
  config: { model: string; optimizer: string; seed: number };
  history: readonly EpochMetrics[];
  test: Evaluation | null;
  data: string;
  stopped: boolean;
  stopReason: string | null;
  environments: readonly KernelEnvironment[];
}): TrainSummary {
  const last = run.history.at(-1);
  return {
    model: run.config.model,
    optimizer: run.config.optimizer,
    options: { ...run.config },
    seed: run.config.seed,
    data: run.data,
    epochs: run.history.length,
    seconds: run.history.reduce((s, m) => s + m.seconds, 0),
    train_loss: last?.train_loss ?? null,
    val_accuracy: last?.val_accuracy ?? null,
    test_accuracy: run.test?.accuracy ?? null,
    test_loss: run.test?.loss ?? null,
    stopped: run.stopped,
    stop_reason: run.stopReason,
    environments: run.environments,
  };
}
