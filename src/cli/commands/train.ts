/** `bamsprod train`: one training run, with progress, metrics, checkpoints and clean Ctrl-C. */
import { Command, InvalidArgumentError, Option } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { plural } from "../../util/plural.js";
import { BamsprodError } from "../../util/errors.js";
import { trainDefaults, type TrainConfig } from "../../train/config.js";
import { train, type TrainResult } from "../../train/loop.js";
import { trainSummary } from "../../train/record.js";
import {
  batchSize,
  nonNegativeInt,
  optimizerOption,
  optimizerOptionValue,
  positiveInt,
  finiteNumber,
} from "../options.js";
import { OPTIMIZER_FLAGS } from "../../optim/flags.js";
import { monitorNames, type MonitorName } from "../../train/callbacks.js";
import { isModelFile, widthModels } from "../../train/modelSpec.js";
import { modelNames } from "../../nn/index.js";
import { compileModel } from "../../export/compile.js";
import { addDataOptions, dataSpec, imageShapeOf } from "../dataOptions.js";
import { againHint, stopSignals, type StopSignal } from "../signals.js";

/** A fresh directory per run, so running the same command twice never collides. */
function defaultOutDir(model: string, optimizer: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const label = isModelFile(model) ? (model.split(/[\\/]/).pop() ?? "model").replace(/\.json$/, "") : model;
  return `runs/${label}-${optimizer}-${stamp}`;
}

function parseMonitor(value: string): MonitorName {
  if (!(monitorNames as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `expected one of ${monitorNames.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as MonitorName;
}

function parseFactor(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0 && n < 1))
    throw new InvalidArgumentError(`expected a number in (0, 1), got ${JSON.stringify(value)}`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("train a binary neural network and record its metrics")
    .option(
      "--model <name|file>",
      `model: ${modelNames.join(", ")}, or a model file FILE.json (the form model.config() returns)`,
      trainDefaults.model,
    )
    .option(
      "--width <n>",
      `channels of the first stage of ${widthModels.join(" and ")} (default 32)`,
      positiveInt,
    )
    .option(
      "--optimizer <name>",
      "optimizer: bamsprod, adam, amsgrad, adabound, amsbound, bop, sgd",
      trainDefaults.optimizer,
    )
    .option("--epochs <n>", "training epochs", positiveInt, trainDefaults.epochs)
    .option("--batch-size <n>", "images per batch", batchSize, trainDefaults.batchSize)
    .option("--seed <n>", "random seed (same seed, same run)", nonNegativeInt, trainDefaults.seed)
    .option(
      "--val-size <n>",
      "training images held out for validation (default 5000, or a tenth of a smaller set)",
      nonNegativeInt,
    )
    .option(
      "--train-size <n>",
      "train on a seeded subsample of this many images (0: all)",
      nonNegativeInt,
      trainDefaults.trainSize,
    )
    .option(
      "--lr-schedule <spec>",
      'e.g. constant, cosine, "step:2:0.5", "exp:0.9", "warmup:300,cosine"',
      trainDefaults.lrSchedule,
    )
    .option(
      "--eval-every <steps>",
      "also evaluate on the validation split every this many steps (metrics.jsonl: evals)",
      positiveInt,
    )
    .option(
      "--eval-size <n>",
      "--eval-every evaluates a fixed seeded subset of this many validation images (default: all)",
      positiveInt,
    )
    .option("--test-every-epoch", "evaluate the test set after every epoch too (default: once, at the end)")
    .option(
      "--monitor <metric>",
      `metric for --early-stopping, --save-best, --reduce-lr-patience: ${monitorNames.join(", ")}`,
      parseMonitor,
    )
    .option("--early-stopping <patience>", "stop after this many epochs without improvement", nonNegativeInt)
    .option("--save-best", "keep the best model in OUT/best.json and end with its weights (before the test)")
    .option(
      "--reduce-lr-patience <n>",
      "lower the learning rate after n epochs without improvement",
      nonNegativeInt,
    )
    .option("--reduce-lr-factor <x>", "factor of --reduce-lr-patience (default 0.1)", parseFactor)
    .option(
      "--out <dir>",
      "output directory for metrics.jsonl and the checkpoint (default: a new runs/MODEL-OPTIMIZER-TIME)",
    )
    .option("--resume", "continue from the checkpoint in --out")
    .option("--json", "print one JSON summary on stdout at the end (everything else on stderr)");
  addDataOptions(cmd, { augment: true });
  for (const f of OPTIMIZER_FLAGS)
    cmd.addOption(new Option(`${f.flag} <x>`, f.help).argParser(optimizerOption(f)));
  cmd.action(async (opts: Record<string, unknown>) => {
    if (opts.resume === true && opts.out === undefined) {
      throw new BamsprodError("--resume needs --out DIR: the directory of the run to continue");
    }
    const config = configFrom(opts);
    const { result, signal } = await runWithProgress(config, opts.resume === true);
    report(result, opts.json === true);
    if (result.stopped) process.exitCode = stopSignals[signal ?? "SIGINT"];
  });
}

function configFrom(opts: Record<string, unknown>): TrainConfig {
  const optimizerOptions: Record<string, number | null> = {};
  for (const { option } of OPTIMIZER_FLAGS) {
    if (opts[option] !== undefined)
      optimizerOptions[option] = optimizerOptionValue(opts[option] as number | "none");
  }
  return {
    model: opts.model as string,
    width: opts.width as number | undefined,
    optimizer: opts.optimizer as string,
    optimizerOptions,
    epochs: opts.epochs as number,
    batchSize: opts.batchSize as number,
    seed: opts.seed as number,
    valSize: opts.valSize as number | undefined,
    trainSize: opts.trainSize as number,
    lrSchedule: opts.lrSchedule as string,
    data: dataSpec(opts),
    imageShape: imageShapeOf(opts),
    augment: augmentOf(opts),
    testEveryEpoch: opts.testEveryEpoch === true,
    evalEvery: opts.evalEvery as number | undefined,
    evalSize: opts.evalSize as number | undefined,
    monitor: opts.monitor as MonitorName | undefined,
    earlyStopping: opts.earlyStopping as number | undefined,
    saveBest: opts.saveBest === true,
    reduceLrPatience: opts.reduceLrPatience as number | undefined,
    reduceLrFactor: opts.reduceLrFactor as number | undefined,
    out: (opts.out as string | undefined) ?? defaultOutDir(opts.model as string, opts.optimizer as string),
  };
}

function augmentOf(opts: Record<string, unknown>): TrainConfig["augment"] {
  if (opts.cropPadding === undefined && opts.flip !== true) return null;
  return { padding: (opts.cropPadding as number | undefined) ?? 0, flip: opts.flip === true };
}

/**
 * Runs the training with a progress display. Ctrl-C (SIGINT) and SIGTERM both stop after the
 * current batch and save a checkpoint; a second signal quits at once (the checkpoint on disk is
 * whole: atomic rename).
 */
async function runWithProgress(
  config: TrainConfig,
  resume: boolean,
): Promise<{ result: TrainResult; signal: StopSignal | null }> {
  const bar = process.stderr.isTTY
    ? new SingleBar(
        {
          stream: process.stderr,
          format: "epoch {epoch} [{bar}] {value}/{total} batches | mean loss {loss} | ETA {eta_formatted}",
          clearOnComplete: true, // stop() clears the bar's line: the epoch line (or Ctrl-C's) replaces it
        },
        Presets.shades_classic,
      )
    : null;
  let stopRequested: StopSignal | null = null;
  const onSignal = (signal: StopSignal): void => {
    if (stopRequested !== null) process.exit(stopSignals[signal]);
    stopRequested = signal;
    if (bar?.isActive === true) bar.stop();
    else if (process.stderr.isTTY && signal === "SIGINT") process.stderr.write("\r\x1b[K"); // the terminal's echoed ^C
    const by = signal === "SIGINT" ? "" : `${signal}: `;
    process.stderr.write(
      `bamsprod: ${by}stopping after this batch and saving a checkpoint (${againHint(signal)} again to quit now)\n`,
    );
  };
  const signals = Object.keys(stopSignals) as StopSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const result = await train(config, resume, {
      onStart: (info) => {
        const where =
          info.resumeAt === null
            ? ""
            : `resuming ${config.out} at ${resumePoint(info.resumeAt, info.batches, config.epochs)}\n`;
        process.stderr.write(
          `${info.data}\n${where}` +
            `model ${config.model}, optimizer ${config.optimizer}, ${plural(config.epochs, "epoch")} of ${plural(info.batches, "batch", "batches")}\n`,
        );
        const notice = exportNotice(info.model);
        if (notice !== null) process.stderr.write(`${notice}\n`);
      },
      onBatch: (b) => {
        if (stopRequested !== null) return; // the Ctrl-C line stays the last one: no bar is redrawn under it
        const label = `epoch ${b.epoch + 1}/${config.epochs}`;
        if (bar === null) {
          // Plain log lines when stderr is not a terminal: one every tenth of an epoch.
          if (b.batch % Math.ceil(b.batches / 10) === 0 && b.batch < b.batches) {
            process.stderr.write(
              `${label}: ${b.batch}/${b.batches} batches, mean loss ${b.meanLoss.toFixed(4)}\n`,
            );
          }
          return;
        }
        if (!bar.isActive)
          bar.start(b.batches, b.batch - 1, { epoch: `${b.epoch + 1}/${config.epochs}`, loss: "-" });
        bar.update(b.batch, { epoch: `${b.epoch + 1}/${config.epochs}`, loss: b.meanLoss.toFixed(4) });
        if (b.batch === b.batches) bar.stop();
      },
      onEpoch: (m) => {
        if (bar?.isActive === true) bar.stop();
        const val =
          m.val_loss === null || m.val_accuracy === null
            ? "-"
            : `loss ${m.val_loss.toFixed(4)} acc ${pct(m.val_accuracy)}`;
        const test = m.test_accuracy === null ? "" : ` | test ${pct(m.test_accuracy)}`;
        process.stderr.write(
          `epoch ${m.epoch}/${config.epochs}: train loss ${m.train_loss.toFixed(4)} acc ${pct(m.train_accuracy)} | val ${val}${test} | ` +
            `flips ${m.flip_ratio.toExponential(2)} | lr ${m.lr.toExponential(2)} | ${m.seconds.toFixed(1)} s\n`,
        );
      },
      shouldStop: () => stopRequested !== null,
    });
    return { result, signal: stopRequested };
  } finally {
    if (bar?.isActive === true) bar.stop();
    for (const signal of signals) process.off(signal, onSignal);
  }
}

/** "epoch 2, batch 31" (the next batch to train, 1-based), or that every epoch is done. */
function resumePoint(at: { epoch: number; batch: number }, batches: number, epochs: number): string {
  if (at.epoch >= epochs) return `its end: all ${plural(epochs, "epoch")} are done`;
  return `epoch ${at.epoch + 1}, batch ${at.batch + 1} of ${batches}`;
}

function report(result: TrainResult, json: boolean): void {
  const summary = trainSummary(result);
  if (json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
    return;
  }
  if (result.stopped) {
    process.stderr.write(`stopped; checkpoint saved in ${result.config.out} (continue with --resume)\n`);
  } else if (summary.epochs > 0) {
    if (result.stopReason !== null) process.stderr.write(`${result.stopReason}\n`);
    const test = result.test === null ? "no test set" : `test accuracy ${pct(result.test.accuracy)}`;
    process.stdout.write(
      `done: ${plural(summary.epochs, "epoch")}, ${test}, ${summary.seconds.toFixed(1)} s; metrics in ${result.config.out}/metrics.jsonl\n`,
    );
  }
}

/** Says so at the start when the model cannot be exported to .bnn, rather than after training. */
function exportNotice(model: Parameters<typeof compileModel>[0]): string | null {
  try {
    compileModel(model);
    return null;
  } catch (err) {
    if (!(err instanceof BamsprodError)) throw err;
    return `note: this model will not export to the packed format (.bnn): ${err.message}`;
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
