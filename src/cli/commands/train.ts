/** `bamsprod train`: one training run, with progress, metrics, checkpoints and clean Ctrl-C. */
import { Command, Option } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { BamsprodError } from "../../util/errors.js";
import { trainDefaults, type TrainConfig } from "../../train/config.js";
import { train, type TrainResult } from "../../train/loop.js";
import { nonNegativeInt, optimizerOption, positiveInt } from "../options.js";
import { OPTIMIZER_FLAGS } from "../../optim/flags.js";

/** A fresh directory per run, so running the same command twice never collides. */
function defaultOutDir(model: string, optimizer: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `runs/${model}-${optimizer}-${stamp}`;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("train a binary neural network and record its metrics")
    .option("--model <name>", "model: bmlp, bcnn, mlp, cnn", trainDefaults.model)
    .option(
      "--optimizer <name>",
      "optimizer: bamsprod, adam, amsgrad, adabound, amsbound, bop, sgd",
      trainDefaults.optimizer,
    )
    .option("--epochs <n>", "training epochs", positiveInt, trainDefaults.epochs)
    .option("--batch-size <n>", "images per batch", positiveInt, trainDefaults.batchSize)
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
    .option("--data-dir <dir>", "directory with the Fashion-MNIST (or MNIST) IDX files")
    .option(
      "--out <dir>",
      "output directory for metrics.jsonl and the checkpoint (default: a new runs/MODEL-OPTIMIZER-TIME)",
    )
    .option("--resume", "continue from the checkpoint in --out")
    .option("--json", "print one JSON summary on stdout at the end (everything else on stderr)");
  for (const f of OPTIMIZER_FLAGS)
    cmd.addOption(new Option(`${f.flag} <x>`, f.help).argParser(optimizerOption(f)));
  cmd.action(async (opts: Record<string, unknown>) => {
    if (opts.resume === true && opts.out === undefined) {
      throw new BamsprodError("--resume needs --out DIR: the directory of the run to continue");
    }
    const config = configFrom(opts);
    const result = await runWithProgress(config, opts.resume === true);
    report(result, opts.json === true);
    if (result.stopped) process.exitCode = 130;
  });
}

function configFrom(opts: Record<string, unknown>): TrainConfig {
  const optimizerOptions: Record<string, number | null> = {};
  for (const { option } of OPTIMIZER_FLAGS) {
    if (opts[option] !== undefined) optimizerOptions[option] = opts[option] as number | null;
  }
  return {
    model: opts.model as string,
    optimizer: opts.optimizer as string,
    optimizerOptions,
    epochs: opts.epochs as number,
    batchSize: opts.batchSize as number,
    seed: opts.seed as number,
    valSize: opts.valSize as number | undefined,
    trainSize: opts.trainSize as number,
    lrSchedule: opts.lrSchedule as string,
    dataDir: opts.dataDir as string | undefined,
    out: (opts.out as string | undefined) ?? defaultOutDir(opts.model as string, opts.optimizer as string),
  };
}

async function runWithProgress(config: TrainConfig, resume: boolean): Promise<TrainResult> {
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130); // second Ctrl-C: the checkpoint on disk is whole (atomic rename)
    stopRequested = true;
    process.stderr.write(
      "\nbamsprod: stopping after this batch and saving a checkpoint (Ctrl-C again to quit now)\n",
    );
  };
  process.on("SIGINT", onSigint);
  const bar = process.stderr.isTTY
    ? new SingleBar(
        {
          stream: process.stderr,
          format: "epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {eta_formatted}",
        },
        Presets.shades_classic,
      )
    : null;
  try {
    return await train(config, resume, {
      onStart: (info) => {
        process.stderr.write(
          `${info.data}\n` +
            `train ${info.trainCount}, validation ${info.valCount}, test ${info.testCount} images; ` +
            `model ${config.model}, optimizer ${config.optimizer}, ${config.epochs} epochs of ${info.batches} batches\n`,
        );
      },
      onBatch: (b) => {
        if (bar === null) {
          // Plain log lines when stderr is not a terminal: one every tenth of an epoch.
          if (b.batch % Math.ceil(b.batches / 10) === 0 && b.batch < b.batches) {
            process.stderr.write(
              `epoch ${b.epoch + 1}: ${b.batch}/${b.batches} batches, loss ${b.loss.toFixed(4)}\n`,
            );
          }
          return;
        }
        if (b.batch === 1 || !bar.isActive) bar.start(b.batches, 0, { epoch: b.epoch + 1, loss: "-" });
        bar.update(b.batch, { epoch: b.epoch + 1, loss: b.loss.toFixed(4) });
        if (b.batch === b.batches) bar.stop();
      },
      onEpoch: (m) => {
        if (bar?.isActive === true) bar.stop();
        process.stderr.write(
          `epoch ${m.epoch}: train loss ${m.train_loss.toFixed(4)} acc ${pct(m.train_accuracy)} | ` +
            `val ${m.val_accuracy === null ? "-" : pct(m.val_accuracy)} | test ${pct(m.test_accuracy)} | ` +
            `flips ${m.flip_ratio.toExponential(2)} | ${m.seconds.toFixed(1)} s\n`,
        );
      },
      shouldStop: () => stopRequested,
    });
  } finally {
    if (bar?.isActive === true) bar.stop();
    process.off("SIGINT", onSigint);
  }
}

function report(result: TrainResult, json: boolean): void {
  const last = result.history[result.history.length - 1];
  const summary = {
    model: result.config.model,
    optimizer: result.config.optimizer,
    options: { ...result.config, optimizerOptions: result.config.optimizerOptions },
    seed: result.config.seed,
    data: result.data,
    epochs: result.history.length,
    seconds: result.history.reduce((s, m) => s + m.seconds, 0),
    train_loss: last?.train_loss ?? null,
    val_accuracy: last?.val_accuracy ?? null,
    test_accuracy: last?.test_accuracy ?? null,
    stopped: result.stopped,
  };
  if (json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
    return;
  }
  if (result.stopped) {
    process.stderr.write(`stopped; checkpoint saved in ${result.config.out} (continue with --resume)\n`);
  } else if (last !== undefined) {
    process.stdout.write(
      `done: ${summary.epochs} epochs, test accuracy ${pct(last.test_accuracy)}, ${summary.seconds.toFixed(1)} s; metrics in ${result.config.out}/metrics.jsonl\n`,
    );
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
