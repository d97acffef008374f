/** The settings of one comparison, validated in one place. */
import { BamsprodError, show } from "../../util/errors.js";
import { widthModels } from "../../train/modelSpec.js";
import { defaultGrids, type Grid } from "./grid.js";

export interface CompareConfig {
  models: string[];
  optimizers: string[];
  /** Final runs per model and optimizer, with seeds 1..seeds. */
  seeds: number;
  epochs: number;
  /** Epochs of each tuning run. */
  tuneEpochs: number;
  /** Tuning runs per grid point, with seeds 1001.. (never the final seeds). */
  tuneSeeds: number;
  jobs: number;
  out: string;
  /** train --width of the models that take one (birealnet, reactnet); the others ignore it. */
  width?: number;
  /** Passed to train: 0 means the whole training split. */
  trainSize: number;
  valSize?: number;
  batchSize?: number;
  /** The --data SPEC every run trains on (see src/data/detect.ts). */
  dataDir?: string;
  /** --image-shape of CSV data. */
  imageShape?: [number, number, number];
  /** Grids that replace the defaults, per optimizer. */
  grids: Record<string, Grid>;
  /** Final runs also evaluate on the validation split every this many steps (train --eval-every). */
  evalEvery?: number;
  /** ... on a fixed seeded subset of this many validation images (train --eval-size; default all). */
  evalSize?: number;
  /** Rounds of growing a grid past an edge its best point sits on (extend.ts); default 3, 0: never. */
  gridExtensions?: number;
  /** Validation accuracy whose first crossing is timed; default: derived from the results (see aggregate.ts). */
  targetAccuracy?: number;
}

export const FINAL_SEED_BASE = 1;
export const TUNE_SEED_BASE = 1001;

/** The grid an optimizer is tuned over: the user's, else the default, else none (its defaults). */
export function gridFor(config: CompareConfig, optimizer: string): Grid {
  return config.grids[optimizer] ?? defaultGrids[optimizer] ?? {};
}

export function validateCompareConfig(c: CompareConfig): void {
  if (c.models.length === 0) throw new BamsprodError("--models is empty; give e.g. --models bmlp,bcnn");
  if (c.optimizers.length === 0)
    throw new BamsprodError("--optimizers is empty; give e.g. --optimizers bamsprod,adam");
  for (const [what, list] of [
    ["--models", c.models],
    ["--optimizers", c.optimizers],
  ] as const) {
    const seen = new Set<string>();
    for (const name of list) {
      if (!/^[a-z0-9_-]+$/.test(name)) throw new BamsprodError(`${what}: ${show(name)} is not a valid name`);
      if (seen.has(name)) throw new BamsprodError(`${what} lists ${show(name)} twice`);
      seen.add(name);
    }
  }
  for (const optimizer of Object.keys(c.grids)) {
    if (!c.optimizers.includes(optimizer)) {
      throw new BamsprodError(
        `--grid names ${show(optimizer)}, which is not in --optimizers (${c.optimizers.join(",")})`,
      );
    }
  }
  if (c.width !== undefined && !c.models.some((m) => widthModels.includes(m))) {
    throw new BamsprodError(
      `--width applies to ${widthModels.join(" and ")}, and --models (${c.models.join(",")}) has neither`,
    );
  }
  if (c.valSize === 0) {
    throw new BamsprodError(
      "compare tunes and times its target on validation accuracy, but --val-size is 0; give a positive --val-size",
    );
  }
  if (c.targetAccuracy !== undefined && !(c.targetAccuracy > 0 && c.targetAccuracy <= 1)) {
    throw new BamsprodError(`--target-accuracy must be in (0, 1], got ${show(c.targetAccuracy)}`);
  }
  if (c.evalSize !== undefined && c.evalEvery === undefined)
    throw new BamsprodError("--eval-size sizes the evaluations of --eval-every; give --eval-every too");
  const rounds = c.gridExtensions;
  if (rounds !== undefined && !(Number.isSafeInteger(rounds) && rounds >= 0))
    throw new BamsprodError(`--grid-extensions must be an integer >= 0, got ${show(rounds)}`);
  if (c.out.trim() === "") throw new BamsprodError("--out must not be empty");
}
