/**
 * Callbacks of {@link fit}, with Keras's names and meaning: EarlyStopping, ModelCheckpoint
 * (keep the best model), ReduceLROnPlateau, and any object with the hooks you need.
 * Callbacks that keep counters rebuild them from the restored history when a run resumes, so a
 * resumed run takes the same decisions as an uninterrupted one.
 */
import { BamsprodError, show } from "../util/errors.js";
import type { Sequential } from "../nn/index.js";
import type { EpochMetrics } from "./checkpoint.js";
import { restoreModelFile, saveModelFile } from "./modelFile.js";
import { plural } from "../util/plural.js";

/** What a callback sees of the run, and the controls it has. */
export interface FitContext {
  readonly model: Sequential;
  readonly epochs: number;
  /** Per-epoch metrics so far (a resumed run's earlier epochs included). */
  readonly history: readonly EpochMetrics[];
  /** True when fit has validation data: val_loss and val_accuracy are numbers. */
  readonly hasValidation: boolean;
  /** True when the test set is evaluated every epoch (test_accuracy per epoch). */
  readonly testEveryEpoch: boolean;
  /** Factor on the schedule's learning rate (ReduceLROnPlateau lowers it); saved in checkpoints. */
  lrScale: number;
  /** Ends training after the current epoch, as finished: the test set is still evaluated. */
  stopTraining(reason: string): void;
  /** Stops after the current batch and saves a checkpoint to resume from; no test evaluation. */
  interrupt(): void;
}

/** Passed to onBatchEnd. */
export interface BatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Batches done in this epoch, counting this one. */
  batch: number;
  batches: number;
  /** Mean training loss of this batch. */
  loss: number;
  /** Mean training loss of the epoch so far (this batch included): what the epoch line reports. */
  meanLoss: number;
}

/**
 * Hooks called by fit. All are optional; each may return a promise, which fit awaits.
 * @example
 * const printer: Callback = { onEpochEnd: (m) => console.log(m.epoch, m.val_accuracy) };
 */
export interface Callback {
  /** Before the first batch (after a resume: with the restored history in `ctx.history`). */
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs, ctx: FitContext): void | Promise<void>;
  /** After each epoch's evaluation, before its checkpoint is written. */
  onEpochEnd?(metrics: EpochMetrics, ctx: FitContext): void | Promise<void>;
  /** After the last epoch (or an early stop), before the final test evaluation. */
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}

/** The metrics a callback can watch. */
export const monitorNames = [
  "val_loss",
  "val_accuracy",
  "train_loss",
  "train_accuracy",
  "test_accuracy",
] as const;
export type MonitorName = (typeof monitorNames)[number];

export interface MonitorOptions {
  /** Metric to watch. Default "val_loss". */
  monitor?: MonitorName;
  /** "min" for losses, "max" for accuracies; "auto" (default) decides from the name. */
  mode?: "min" | "max" | "auto";
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
}

/** Tracks the best value of one metric and the epochs since it improved. */
class Monitor {
  readonly metric: MonitorName;
  private readonly sign: number;
  private readonly minDelta: number;
  best = Infinity;
  bestEpoch = 0;
  wait = 0;

  constructor(who: string, o: MonitorOptions) {
    this.metric = o.monitor ?? "val_loss";
    if (!(monitorNames as readonly string[]).includes(this.metric)) {
      throw new BamsprodError(
        `${who}: monitor ${show(this.metric)} is unknown; use one of ${monitorNames.join(", ")}`,
      );
    }
    const mode = o.mode ?? "auto";
    if (mode !== "min" && mode !== "max" && mode !== "auto") {
      throw new BamsprodError(`${who}: mode must be "min", "max" or "auto", got ${show(mode)}`);
    }
    this.sign = mode === "max" || (mode === "auto" && this.metric.endsWith("accuracy")) ? -1 : 1;
    this.minDelta = nonNegative(who, "minDelta", o.minDelta ?? 0);
  }

  /** Throws unless the run produces the metric every epoch. */
  check(who: string, ctx: FitContext): void {
    if (this.metric.startsWith("val_") && !ctx.hasValidation) {
      throw new BamsprodError(
        `${who} monitors ${this.metric} but fit has no validation data: pass validation data or validationSplit, or monitor train_loss`,
      );
    }
    if (this.metric === "test_accuracy" && !ctx.testEveryEpoch) {
      throw new BamsprodError(`${who} monitors test_accuracy, which needs testEveryEpoch`);
    }
  }

  /** Records an epoch; true when it improved on the best so far. */
  observe(m: EpochMetrics): boolean {
    const value = this.sign * (m[this.metric] as number);
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.bestEpoch = m.epoch;
      this.wait = 0;
      return true;
    }
    this.wait++;
    return false;
  }

  /** The best value in the metric's own sign. */
  get bestValue(): number {
    return this.sign * this.best;
  }

  reset(): void {
    this.best = Infinity;
    this.bestEpoch = 0;
    this.wait = 0;
  }
}

export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
}

/**
 * Stops training when the monitored metric has not improved for `patience` epochs.
 * @example new EarlyStopping({ monitor: "val_accuracy", patience: 3 })
 */
export class EarlyStopping implements Callback {
  private readonly monitor: Monitor;
  readonly patience: number;
  /** Epoch at which training was stopped, or 0. */
  stoppedEpoch = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = new Monitor("EarlyStopping", options);
    this.patience = nonNegativeInt("EarlyStopping", "patience", options.patience ?? 0);
  }

  onTrainBegin(ctx: FitContext): void {
    this.monitor.check("EarlyStopping", ctx);
    this.monitor.reset();
    for (const m of ctx.history) this.monitor.observe(m);
  }

  onEpochEnd(m: EpochMetrics, ctx: FitContext): void {
    if (!this.monitor.observe(m) && this.monitor.wait >= this.patience) {
      this.stoppedEpoch = m.epoch;
      ctx.stopTraining(
        `early stopping: ${this.monitor.metric} has not improved for ${plural(this.monitor.wait, "epoch")} ` +
          `(best ${this.monitor.bestValue.toFixed(4)} at epoch ${this.monitor.bestEpoch})`,
      );
    }
  }
}

export interface ModelCheckpointOptions extends MonitorOptions {
  /** File to write (a model file: model.config() plus the weights, JSON). */
  path: string;
  /** Load the best weights back into the model when training ends (before the test). Default false. */
  restoreBest?: boolean;
}

/**
 * Keeps the best model: writes the model file whenever the monitored metric improves. With
 * `restoreBest`, the model ends training with the best weights, so the final test evaluation
 * (and `bamsprod export`) uses them.
 * @example new ModelCheckpoint({ path: "runs/a/best.json", monitor: "val_accuracy", restoreBest: true })
 */
export class ModelCheckpoint implements Callback {
  private readonly monitor: Monitor;
  readonly path: string;
  readonly restoreBest: boolean;

  constructor(options: ModelCheckpointOptions) {
    this.monitor = new Monitor("ModelCheckpoint", options);
    if (typeof options.path !== "string" || options.path === "") {
      throw new BamsprodError(`ModelCheckpoint: path must be a file name, got ${show(options.path)}`);
    }
    this.path = options.path;
    this.restoreBest = options.restoreBest ?? false;
  }

  /** Epoch of the best model written so far (0: none). */
  get bestEpoch(): number {
    return this.monitor.bestEpoch;
  }

  onTrainBegin(ctx: FitContext): void {
    this.monitor.check("ModelCheckpoint", ctx);
    this.monitor.reset();
    for (const m of ctx.history) this.monitor.observe(m);
  }

  onEpochEnd(m: EpochMetrics, ctx: FitContext): void {
    if (this.monitor.observe(m)) {
      saveModelFile(this.path, ctx.model, { epoch: m.epoch, [this.monitor.metric]: m[this.monitor.metric] });
    }
  }

  onTrainEnd(ctx: FitContext): void {
    if (this.restoreBest && this.monitor.bestEpoch > 0) restoreModelFile(this.path, ctx.model);
  }
}

export interface ReduceLROnPlateauOptions extends MonitorOptions {
  /** The learning rate is multiplied by this (in (0, 1)). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The rate is not reduced below this. Default 0. */
  minLr?: number;
}

/**
 * Multiplies the learning rate by `factor` when the monitored metric has not improved for
 * `patience` epochs. It scales whatever the schedule gives (the factor is kept in checkpoints).
 * @example new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 2 })
 */
export class ReduceLROnPlateau implements Callback {
  private readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  private cooling = 0;
  /** Epochs after which the rate was reduced (this session and replayed). */
  readonly reductions: number[] = [];

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const who = "ReduceLROnPlateau";
    this.monitor = new Monitor(who, options);
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new BamsprodError(`${who}: factor must be in (0, 1), got ${show(this.factor)}`);
    }
    this.patience = nonNegativeInt(who, "patience", options.patience ?? 10);
    this.cooldown = nonNegativeInt(who, "cooldown", options.cooldown ?? 0);
    this.minLr = nonNegative(who, "minLr", options.minLr ?? 0);
  }

  onTrainBegin(ctx: FitContext): void {
    this.monitor.check("ReduceLROnPlateau", ctx);
    this.monitor.reset();
    this.cooling = 0;
    this.reductions.length = 0;
    // Replays the counters only: the reductions already made live in ctx.lrScale.
    for (const m of ctx.history) this.decide(m);
  }

  onEpochEnd(m: EpochMetrics, ctx: FitContext): void {
    if (!this.decide(m)) return;
    const lr = Math.max(m.lr * this.factor, this.minLr);
    if (m.lr > 0 && lr < m.lr) ctx.lrScale *= lr / m.lr;
  }

  /** Updates the counters with one epoch; true when the rate should drop now. */
  private decide(m: EpochMetrics): boolean {
    const improved = this.monitor.observe(m);
    if (this.cooling > 0) {
      this.cooling--;
      this.monitor.wait = 0;
    }
    if (improved || this.monitor.wait <= this.patience - 1 || m.lr <= this.minLr) return false;
    this.cooling = this.cooldown;
    this.monitor.wait = 0;
    this.reductions.push(m.epoch);
    return true;
  }
}

function nonNegative(who: string, option: string, v: number): number {
  if (!Number.isFinite(v) || v < 0)
    throw new BamsprodError(`${who}: ${option} must be a number >= 0, got ${show(v)}`);
  return v;
}

function nonNegativeInt(who: string, option: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new BamsprodError(`${who}: ${option} must be an integer >= 0, got ${show(v)}`);
  }
  return v;
}
