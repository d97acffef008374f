/**
 * Choosing each optimizer's options from the tuning runs: the grid point with the highest
 * validation accuracy (mean over tuning seeds) at the last tuning epoch. The test set plays no
 * part. Ties go to the earlier grid point, so the choice is deterministic.
 */
import { mean } from "../stats.js";
import { gridFor, type CompareConfig } from "./config.js";
import { expandGrid, type Grid } from "./grid.js";
import type { RunOutcome } from "./runs.js";

export interface Candidate {
  options: Record<string, number>;
  /** Validation accuracy of each tuning seed, and their mean. */
  valAccuracies: number[];
  valAccuracy: number;
}

export interface TuningChoice {
  model: string;
  optimizer: string;
  grid: Grid;
  candidates: Candidate[];
  chosen: Record<string, number>;
  /** Options whose chosen value is the smallest or largest of several: the grid may be too narrow. */
  atEdge: string[];
  /** How the grid grew past its edges (compare --grid-extensions), e.g. "lr: 0.01 -> 0.03". */
  extensions?: string[];
}

export function chooseOptions(
  config: CompareConfig,
  outcomes: readonly RunOutcome[],
  gridOf: (model: string, optimizer: string) => Grid = (_, optimizer) => gridFor(config, optimizer),
): TuningChoice[] {
  const choices: TuningChoice[] = [];
  for (const model of config.models) {
    for (const optimizer of config.optimizers) {
      const grid = gridOf(model, optimizer);
      const combos = expandGrid(grid);
      const candidates = combos.map((options) => {
        const key = JSON.stringify(options);
        const vals = outcomes
          .filter(
            (o) =>
              o.spec.model === model &&
              o.spec.optimizer === optimizer &&
              JSON.stringify(o.spec.options) === key,
          )
          .map((o) => o.summary.val_accuracy ?? Number.NaN);
        return { options, valAccuracies: vals, valAccuracy: mean(vals) };
      });
      let best = 0;
      candidates.forEach((c, i) => {
        if (c.valAccuracy > candidates[best].valAccuracy) best = i;
      });
      const chosen = candidates[best]?.options ?? {};
      const atEdge = Object.entries(grid)
        .filter(
          ([name, values]) =>
            values.length > 1 &&
            (chosen[name] === Math.min(...values) || chosen[name] === Math.max(...values)),
        )
        .map(([name]) => name);
      choices.push({
        model,
        optimizer,
        grid,
        candidates: combos.length < 2 ? [] : candidates,
        chosen,
        atEdge,
      });
    }
  }
  return choices;
}
