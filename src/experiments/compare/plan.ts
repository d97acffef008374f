/** Which training runs a comparison needs: tuning runs per grid point, then final runs per seed. */
import { join } from "node:path";
import { FINAL_SEED_BASE, TUNE_SEED_BASE, gridFor, type CompareConfig } from "./config.js";
import { expandGrid, optionsLabel, type Grid } from "./grid.js";
import { widthModels } from "../../train/modelSpec.js";

/** Everything `bamsprod train` needs for one run. */
export interface RunSpec {
  phase: "tune" | "final";
  model: string;
  /** train --width (only for a model that takes one). */
  width?: number;
  optimizer: string;
  /** Optimizer options set explicitly (the tuned ones); all others keep the optimizer's defaults. */
  options: Record<string, number>;
  seed: number;
  epochs: number;
  trainSize: number;
  valSize?: number;
  batchSize?: number;
  dataDir?: string;
  imageShape?: [number, number, number];
  /** train --eval-every and --eval-size (final runs only: tuning looks at the last epoch). */
  evalEvery?: number;
  evalSize?: number;
  /** The run's own output directory, relative to the comparison's --out. */
  dir: string;
}

function base(
  config: CompareConfig,
  model: string,
): Pick<RunSpec, "width" | "trainSize" | "valSize" | "batchSize" | "dataDir" | "imageShape"> {
  return {
    ...(config.width !== undefined && widthModels.includes(model) ? { width: config.width } : {}),
    trainSize: config.trainSize,
    valSize: config.valSize,
    batchSize: config.batchSize,
    dataDir: config.dataDir,
    ...(config.imageShape === undefined ? {} : { imageShape: config.imageShape }),
  };
}

/**
 * Tuning runs: every model x optimizer x grid point x tuning seed. An optimizer whose grid has a
 * single point needs no tuning run (the choice is already made).
 */
export function tuningRuns(
  config: CompareConfig,
  gridOf: (model: string, optimizer: string) => Grid = (_, optimizer) => gridFor(config, optimizer),
): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const model of config.models) {
    for (const optimizer of config.optimizers) {
      const combos = expandGrid(gridOf(model, optimizer));
      if (combos.length < 2) continue;
      for (const options of combos) {
        for (let k = 0; k < config.tuneSeeds; k++) {
          const seed = TUNE_SEED_BASE + k;
          const dir = join("runs", "tune", model, optimizer, optionsLabel(options), `seed-${seed}`);
          runs.push({
            phase: "tune",
            model,
            optimizer,
            options,
            seed,
            epochs: config.tuneEpochs,
            ...base(config, model),
            dir,
          });
        }
      }
    }
  }
  return runs;
}

/** Final runs with the chosen options: every model x optimizer x seed. */
export function finalRuns(
  config: CompareConfig,
  chosen: (model: string, optimizer: string) => Record<string, number>,
): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const model of config.models) {
    for (const optimizer of config.optimizers) {
      for (let k = 0; k < config.seeds; k++) {
        const seed = FINAL_SEED_BASE + k;
        const dir = join("runs", "final", model, optimizer, `seed-${seed}`);
        const options = chosen(model, optimizer);
        runs.push({
          phase: "final",
          model,
          optimizer,
          options,
          seed,
          epochs: config.epochs,
          ...base(config, model),
          ...(config.evalEvery === undefined ? {} : { evalEvery: config.evalEvery }),
          ...(config.evalSize === undefined ? {} : { evalSize: config.evalSize }),
          dir,
        });
      }
    }
  }
  return runs;
}

/** The `bamsprod train` arguments of a run (without the program and the resume flag). */
export function trainArgs(spec: RunSpec, outDir: string, flags: Readonly<Record<string, string>>): string[] {
  const args = ["train", "--model", spec.model, "--optimizer", spec.optimizer];
  if (spec.width !== undefined) args.push("--width", String(spec.width));
  for (const [name, value] of Object.entries(spec.options)) args.push(flags[name], String(value));
  args.push("--epochs", String(spec.epochs), "--seed", String(spec.seed), "--out", outDir, "--json");
  args.push("--train-size", String(spec.trainSize));
  if (spec.valSize !== undefined) args.push("--val-size", String(spec.valSize));
  if (spec.batchSize !== undefined) args.push("--batch-size", String(spec.batchSize));
  if (spec.dataDir !== undefined) args.push("--data", spec.dataDir);
  if (spec.imageShape !== undefined) args.push("--image-shape", spec.imageShape.join(","));
  if (spec.evalEvery !== undefined) args.push("--eval-every", String(spec.evalEvery));
  if (spec.evalSize !== undefined) args.push("--eval-size", String(spec.evalSize));
  return args;
}
