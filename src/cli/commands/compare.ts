/**
 * `bamsprod compare`: tunes each optimizer on the validation split, trains every model x
 * optimizer x seed as separate `bamsprod train` processes (--jobs at a time, resumable), and
 * writes results.json, CSVs, SVG plots and report.html/report.md.
 */
import { Command } from "commander";
import { optimizerNames } from "../../optim/index.js";
import { modelNames } from "../../nn/index.js";
import { widthModels } from "../../train/modelSpec.js";
import { BamsprodError, show } from "../../util/errors.js";
import { runCompare, type CompareResults } from "../../experiments/compare/compare.js";
import { parseGridSpecs } from "../../experiments/compare/grid.js";
import { parallelRunEnv, spawnRunner } from "../../experiments/compare/spawnRunner.js";
import type { CompareConfig } from "../../experiments/compare/config.js";
import { parseQueueUrl } from "../../experiments/compare/queueUrl.js";
import { batchSize, nonNegativeInt, positiveInt, positiveNumber } from "../options.js";
import { addDataOptions, dataSpec, imageShapeOf } from "../dataOptions.js";
import { againHint, stopSignals, type StopSignal } from "../signals.js";

/** The parsed flags: CompareConfig's numbers and paths as they are, the lists still as text. */
interface CompareOpts extends Omit<CompareConfig, "models" | "optimizers" | "tuneEpochs" | "grids"> {
  models: string;
  optimizers: string;
  tuneEpochs?: number;
  data?: string;
  grid: string[];
  queue?: string;
}

export function register(program: Command): void {
  const cmd = program.command("compare");
  addDataOptions(cmd);
  cmd
    .description(
      "compare optimizers fairly: tune on validation, train over seeds in parallel, write plots and a report",
    )
    .option("--models <list>", `comma-separated models (${modelNames.join(", ")})`, "bmlp,bcnn")
    .option(
      "--optimizers <list>",
      `comma-separated optimizers (${optimizerNames.join(", ")})`,
      "bamsprod,adam,amsgrad,amsbound,bop",
    )
    .option(
      "--width <n>",
      `channels of the first stage of ${widthModels.join(" and ")} (train --width)`,
      positiveInt,
    )
    .option("--seeds <n>", "final runs per model and optimizer (seeds 1..n)", positiveInt, 3)
    .option("--epochs <n>", "epochs of each final run", positiveInt, 10)
    .option("--tune-epochs <n>", "epochs of each tuning run (default: --epochs)", positiveInt)
    .option("--tune-seeds <n>", "tuning runs per grid point (seeds 1001..)", positiveInt, 1)
    .option("--jobs <n>", "training processes at once", positiveInt, 1)
    .option("--out <dir>", "output directory (reused: finished runs are skipped)", "runs/compare")
    .option("--train-size <n>", "train on a seeded subsample of this many images (0: all)", nonNegativeInt, 0)
    .option(
      "--val-size <n>",
      "training images held out for validation (train's default if not given)",
      nonNegativeInt,
    )
    .option("--batch-size <n>", "images per batch (train's default if not given)", batchSize)
    .option(
      "--grid <spec>",
      'tuning grid replacing an optimizer\'s default, e.g. "adam:lr=1e-3,3e-3" or "bop:threshold=1e-8,1e-6" (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--target-accuracy <x>",
      "validation accuracy (0..1) whose first crossing is timed (default: derived, see report)",
      positiveNumber,
    )
    .option(
      "--grid-extensions <n>",
      "rounds of growing a grid x3 past an edge its best point sits on (0: never)",
      nonNegativeInt,
      3,
    )
    .option(
      "--eval-every <steps>",
      "final runs also evaluate on the validation split every this many steps: time to target in steps, area under the curve",
      positiveInt,
    )
    .option(
      "--eval-size <n>",
      "--eval-every evaluates a fixed seeded subset of this many validation images (default: all)",
      positiveInt,
    )
    .option(
      "--queue <url>",
      "run every training run as a job on this Redis queue (redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://), trained by `bamsprod worker`s",
    )
    .action(async (opts: CompareOpts) => {
      const config = configFrom(opts);
      const command = ["bamsprod", "compare", ...withoutQueue(process.argv.slice(3))].join(" ");
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      if (opts.queue !== undefined) {
        const { runQueued } = await import("../../experiments/compare/queueCompare.js");
        const { results } = await runQueued(config, parseQueueUrl(opts.queue), command, log);
        printResults(results, config);
        return;
      }
      const env = parallelRunEnv(opts.jobs);
      const results = await runStoppable((stop) =>
        runCompare(config, spawnRunner({ env, stop }), command, { log }),
      );
      if (results !== null) printResults(results.results, config);
    });
}

/**
 * Runs `work`; Ctrl-C or SIGTERM (at the terminal or sent to this process alone) tells every
 * training process to save a checkpoint and stop (the children run in their own process group,
 * so each gets that one SIGINT), starts no new run, and ends with a one-line message and the
 * signal's exit code; the same command resumes. A second signal quits at once.
 * @returns the result, or null when stopped by a signal.
 */
async function runStoppable<T>(work: (stop: AbortSignal) => Promise<T>): Promise<T | null> {
  const stopping = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy !== null) process.exit(stopSignals[signal]);
    stoppedBy = signal;
    stopping.abort();
    process.stderr.write(
      `\nbamsprod compare: ${signal}: the running trainings save checkpoints and stop (${againHint(signal)} again to quit now)\n`,
    );
  };
  const signals = Object.keys(stopSignals) as StopSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    return await work(stopping.signal);
  } catch (err) {
    if (stoppedBy === null) throw err;
    process.stderr.write(
      `bamsprod compare: stopped by ${stoppedBy}; finished runs and checkpoints are kept: run the same command to resume\n`,
    );
    process.exitCode = stopSignals[stoppedBy];
    return null;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}

function printResults(results: CompareResults, config: CompareConfig): void {
  for (const g of results.groups) {
    const std = Number.isFinite(g.testAccuracy.std) ? ` ± ${(100 * g.testAccuracy.std).toFixed(2)}` : "";
    process.stdout.write(
      `${g.model} ${g.optimizer}: test accuracy ${(100 * g.testAccuracy.mean).toFixed(2)}${std}%\n`,
    );
  }
  process.stdout.write(
    `report: ${config.out}/report.html (also report.md, results.json, results.csv, plots/)\n`,
  );
}

/**
 * The command recorded in the results, without --queue: where the runs were trained does not
 * change them, and the URL may carry a password.
 */
function withoutQueue(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--queue") i++;
    else if (!args[i].startsWith("--queue=")) out.push(args[i]);
  }
  return out;
}

function configFrom(opts: CompareOpts): CompareConfig {
  const models = list("--models", opts.models, modelNames);
  const optimizers = list("--optimizers", opts.optimizers, optimizerNames);
  return {
    models,
    optimizers,
    width: opts.width,
    seeds: opts.seeds,
    epochs: opts.epochs,
    tuneEpochs: opts.tuneEpochs ?? opts.epochs,
    tuneSeeds: opts.tuneSeeds,
    jobs: opts.jobs,
    out: opts.out,
    trainSize: opts.trainSize,
    valSize: opts.valSize,
    batchSize: opts.batchSize,
    dataDir: dataSpec(opts as unknown as Record<string, unknown>),
    imageShape: imageShapeOf(opts as unknown as Record<string, unknown>),
    grids: parseGridSpecs(opts.grid),
    targetAccuracy: opts.targetAccuracy,
    evalEvery: opts.evalEvery,
    evalSize: opts.evalSize,
    gridExtensions: opts.gridExtensions,
  };
}

function list(flag: string, text: string, allowed: readonly string[]): string[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item))
      throw new BamsprodError(`${flag}: unknown name ${show(item)}; choose from ${allowed.join(", ")}`);
  }
  return items;
}
