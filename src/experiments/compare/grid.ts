/**
 * Tuning grids: for each optimizer, a few values of one or two options, tried on the
 * validation split before the final runs. `--grid OPT:PARAM=v1,v2,...` replaces an optimizer's
 * default grid (several --grid entries for one optimizer form their cartesian product).
 */
import { OPTIMIZER_FLAGS } from "../../optim/flags.js";
import { BamsprodError, show } from "../../util/errors.js";

/** Option name -> candidate values. */
export type Grid = Record<string, number[]>;

/** Option names (as createOptimizer spells them) -> `bamsprod train` flags. */
export const trainFlags: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(OPTIMIZER_FLAGS.map((f) => [f.option, f.flag])),
);

/**
 * Default grids: three learning rates a factor ~3 apart around the usual 1e-3 for the adaptive
 * methods; for Bop, whose binary weights have no learning rate, its adaptivity rate gamma.
 */
export const defaultGrids: Readonly<Record<string, Grid>> = {
  sgd: { lr: [0.01, 0.03, 0.1] },
  adam: { lr: [3e-4, 1e-3, 3e-3] },
  amsgrad: { lr: [3e-4, 1e-3, 3e-3] },
  adabound: { lr: [3e-4, 1e-3, 3e-3] },
  amsbound: { lr: [3e-4, 1e-3, 3e-3] },
  bamsprod: { lr: [3e-4, 1e-3, 3e-3] },
  bop: { gamma: [1e-4, 1e-3, 1e-2] },
};

/** Flag spellings (without "--") -> option names, e.g. "weight-decay" -> "weightDecay". */
const kebabToOption: Record<string, string> = Object.fromEntries(
  OPTIMIZER_FLAGS.map((f) => [f.flag.slice(2), f.option]),
);

/** Parses `--grid` values such as "bop:gamma=1e-4,1e-3" (several may be joined with ";"). */
export function parseGridSpecs(specs: readonly string[]): Record<string, Grid> {
  const grids: Record<string, Grid> = {};
  for (const entry of specs
    .flatMap((s) => s.split(";"))
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    const match = /^([a-z]+):([A-Za-z0-9-]+)=(.+)$/.exec(entry);
    if (match === null) {
      throw new BamsprodError(
        `--grid ${show(entry)} is not OPTIMIZER:OPTION=v1,v2,... (e.g. "adam:lr=1e-3,3e-3")`,
      );
    }
    const [, optimizer, rawName, list] = match;
    const name = kebabToOption[rawName] ?? rawName;
    if (!(name in trainFlags)) {
      throw new BamsprodError(
        `--grid ${show(entry)}: unknown option ${show(rawName)}; use one of ${Object.keys(trainFlags).join(", ")}`,
      );
    }
    const values = list.split(",").map((v) => {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) {
        throw new BamsprodError(`--grid ${show(entry)}: ${show(v)} is not a number`);
      }
      return n;
    });
    grids[optimizer] ??= {};
    if (grids[optimizer][name] !== undefined) {
      throw new BamsprodError(`--grid gives ${optimizer}:${name} twice; list all its values in one entry`);
    }
    grids[optimizer][name] = values;
  }
  return grids;
}

/** Every combination of a grid's values, in the grid's order (the first option varies slowest). */
export function expandGrid(grid: Grid): Record<string, number>[] {
  let combos: Record<string, number>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/** A short, file-name-safe label of option values, e.g. "lr=0.001" or "gamma=0.0001_threshold=1e-8". */
export function optionsLabel(options: Record<string, number>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "defaults" : parts.join("_");
}
