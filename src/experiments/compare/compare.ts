/**
 * The comparison, end to end: tuning runs, the choice of options on the validation split, final
 * runs over seeds (both phases in parallel, `jobs` at a time, finished runs reused), then the
 * aggregates, results.json, CSVs, SVG plots and the HTML/Markdown report.
 */
import { join, relative, resolve } from "node:path";
import { BamsprodError } from "../../util/errors.js";
import { validateCompareConfig, gridFor, FINAL_SEED_BASE, type CompareConfig } from "./config.js";
import { createOptimizer } from "../../optim/index.js";
import { DEFAULT_GRID_EXTENSIONS, extendAtEdges } from "./extend.js";
import type { Grid } from "./grid.js";
import { tuningRuns, finalRuns, type RunSpec } from "./plan.js";
import { executeRun, type RunFn, type RunOutcome, type TrainSummary } from "./runs.js";
import { runPool } from "./pool.js";
import { chooseOptions, type TuningChoice } from "./tune.js";
import { aggregate, gaps, defaultTarget, TARGET_FRACTION, type Gap, type GroupResult } from "./aggregate.js";
import { writeCompareOutputs } from "./outputs.js";
import { plural } from "../../util/plural.js";

export interface CompareResults {
  format: "bamsprod-compare";
  version: 1;
  command: string;
  config: CompareConfig;
  /** The optimizer every other one is measured against (bamsprod when compared). */
  reference: string;
  finalSeeds: number[];
  /** The data each run reported using (one line each, deduplicated). */
  data: string[];
  targets: { model: string; target: number }[];
  targetRule: string;
  tuning: TuningChoice[];
  tuningRuns: { spec: RunSpec; summary: TrainSummary }[];
  runs: { spec: RunSpec; summary: TrainSummary; metrics: RunOutcome["metrics"] }[];
  groups: GroupResult[];
  gaps: Gap[];
}

export interface CompareHooks {
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
  /** Runs in flight at once; default config.jobs (a queue takes every run of a phase at once). */
  parallel?: number;
}

export async function runCompare(
  config: CompareConfig,
  runner: RunFn,
  command: string,
  hooks: CompareHooks = {},
): Promise<{ results: CompareResults; files: string[] }> {
  validateCompareConfig(config);
  const out = resolve(config.out);
  const log = hooks.log ?? (() => {});
  const parallel = hooks.parallel ?? config.jobs;

  const tuneSpecs = tuningRuns(config);
  log(`tuning: ${plural(tuneSpecs.length, "run")}`);
  const tuned = await runPhase(tuneSpecs, out, runner, parallel, log);
  const tuning = await growGrids(config, tuned, (specs) => runPhase(specs, out, runner, parallel, log), log);
  const chosen = (model: string, optimizer: string): Record<string, number> =>
    tuning.find((t) => t.model === model && t.optimizer === optimizer)?.chosen ?? {};
  for (const t of tuning.filter((t) => t.candidates.length > 0)) {
    log(
      `chosen for ${t.model}/${t.optimizer}: ${JSON.stringify(t.chosen)}${t.atEdge.length > 0 ? ` (edge of grid: ${t.atEdge.join(", ")})` : ""}`,
    );
  }

  const finalSpecs = finalRuns(config, chosen);
  log(`final: ${plural(finalSpecs.length, "run")}`);
  const finals = await runPhase(finalSpecs, out, runner, parallel, log);

  const targetRule =
    config.targetAccuracy !== undefined
      ? "set with --target-accuracy"
      : `${100 * TARGET_FRACTION}% of the lowest mean final validation accuracy among the optimizers, rounded down to 0.1%`;
  const targets: { model: string; target: number }[] = [];
  const groups = aggregate(config.models, config.optimizers, finals, (model, means) => {
    const target = config.targetAccuracy ?? defaultTarget(means);
    targets.push({ model, target });
    return target;
  });
  const reference = config.optimizers.includes("bamsprod") ? "bamsprod" : config.optimizers[0];
  const results: CompareResults = {
    format: "bamsprod-compare",
    version: 1,
    command,
    config,
    reference,
    finalSeeds: Array.from({ length: config.seeds }, (_, k) => FINAL_SEED_BASE + k),
    data: [
      ...new Set(
        [...tuned, ...finals].map((o) => o.summary.data).filter((d): d is string => typeof d === "string"),
      ),
    ],
    targets,
    targetRule,
    tuning,
    tuningRuns: tuned.map((o) => ({ spec: o.spec, summary: o.summary })),
    runs: finals.map((o) => ({ spec: o.spec, summary: o.summary, metrics: o.metrics })),
    groups,
    gaps: gaps(groups, reference),
  };
  const files = writeCompareOutputs(results, out);
  return { results, files };
}

/** A run's directory as the user can paste it: relative to the current directory, not to --out. */
export function runPath(out: string, dir: string): string {
  return relative(process.cwd(), join(out, dir)) || ".";
}

/**
 * Tunes until no best point sits at a grid edge it can grow past (extend.ts), at most
 * config.gridExtensions rounds; each round trains only the new grid points. `tuned` gains the
 * new runs. The choices record how each grid grew.
 */
async function growGrids(
  config: CompareConfig,
  tuned: RunOutcome[],
  run: (specs: RunSpec[]) => Promise<RunOutcome[]>,
  log: (line: string) => void,
): Promise<TuningChoice[]> {
  const grids = new Map<string, Grid>();
  const grown = new Map<string, string[]>();
  const gridOf = (model: string, optimizer: string): Grid =>
    grids.get(`${model}/${optimizer}`) ?? gridFor(config, optimizer);
  let tuning = chooseOptions(config, tuned, gridOf);
  for (let round = 1; round <= (config.gridExtensions ?? DEFAULT_GRID_EXTENSIONS); round++) {
    let changed = false;
    for (const t of tuning.filter((c) => c.atEdge.length > 0)) {
      const accepts = (options: Record<string, number>): boolean => {
        try {
          createOptimizer(t.optimizer, options);
          return true;
        } catch {
          return false;
        }
      };
      const e = extendAtEdges(t.grid, t.chosen, accepts);
      const key = `${t.model}/${t.optimizer}`;
      const blocked = e.blocked.map((name) => `${name}: cannot grow past ${t.chosen[name]} (out of range)`);
      grown.set(key, [...new Set([...(grown.get(key) ?? []), ...blocked])]);
      if (e.notes.length === 0) continue;
      grids.set(key, e.grid);
      grown.set(key, [...(grown.get(key) ?? []), ...e.notes]);
      log(`grid of ${key} ends at its best point; round ${round} extends it: ${e.notes.join("; ")}`);
      changed = true;
    }
    if (!changed) break;
    const done = new Set(tuned.map((o) => o.spec.dir));
    tuned.push(...(await run(tuningRuns(config, gridOf).filter((s) => !done.has(s.dir)))));
    tuning = chooseOptions(config, tuned, gridOf);
  }
  return tuning.map((t) => {
    const notes = grown.get(`${t.model}/${t.optimizer}`);
    return notes === undefined ? t : { ...t, extensions: notes };
  });
}

/** Runs one phase; every run is attempted, and failures are reported together at the end. */
async function runPhase(
  specs: readonly RunSpec[],
  out: string,
  runner: RunFn,
  jobs: number,
  log: (line: string) => void,
): Promise<RunOutcome[]> {
  let done = 0;
  const settled = await runPool(specs, jobs, async (spec) => {
    const outcome = await executeRun(spec, out, runner);
    done++;
    const val = outcome.summary.val_accuracy;
    const test = outcome.summary.test_accuracy;
    // Tuning runs show only what tuning may look at.
    const shown = [`val ${val === null ? "-" : `${(100 * val).toFixed(2)}%`}`];
    if (spec.phase === "final" && test !== null) shown.push(`test ${(100 * test).toFixed(2)}%`);
    log(
      `[${done}/${specs.length}] ${outcome.reused ? "already done" : "done"}: ${runPath(out, spec.dir)} (${shown.join(", ")})`,
    );
    return outcome;
  });
  const failures = settled
    .map((s, i) => (s.status === "rejected" ? `${runPath(out, specs[i].dir)}: ${describe(s.reason)}` : null))
    .filter((f): f is string => f !== null);
  if (failures.length > 0) {
    throw new BamsprodError(
      `${failures.length} of ${specs.length} runs failed (finished runs are kept; run the same command again to resume): ${failures.join(" | ")}`,
    );
  }
  return settled.map((s) => (s as PromiseFulfilledResult<RunOutcome>).value);
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
