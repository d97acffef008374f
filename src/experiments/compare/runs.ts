/**
 * Executing one run of a comparison, resumably: a run whose directory holds summary.json is
 * finished and is read back, not repeated; otherwise the runner trains it (continuing from a
 * checkpoint if one is there) and its summary is written atomically at the very end, so the
 * file's presence means the run completed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError, show } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import type { RunSpec } from "./plan.js";
import { isMetricsHeader } from "../../train/environments.js";
import { plural } from "../../util/plural.js";
import { METRICS_FILE, type EpochMetrics, type TrainSummary } from "../../train/record.js";

/** One line of a run's metrics.jsonl (the `bamsprod train` contract: src/train/record.ts). */
export type EpochRecord = EpochMetrics;
export type { TrainSummary };
export { METRICS_FILE };

/**
 * Trains one run into `dir` (an absolute path): writes dir/metrics.jsonl and resolves to the
 * summary. The real runner spawns `bamsprod train`; tests pass a fake.
 */
export type RunFn = (spec: RunSpec, dir: string) => Promise<TrainSummary>;

export interface RunOutcome {
  spec: RunSpec;
  summary: TrainSummary;
  metrics: EpochRecord[];
  /** True when the run was already finished on disk and not repeated. */
  reused: boolean;
}

export const SUMMARY_FILE = "summary.json";
export const SPEC_FILE = "spec.json";

export async function executeRun(spec: RunSpec, outRoot: string, runner: RunFn): Promise<RunOutcome> {
  const dir = join(outRoot, spec.dir);
  checkSpec(dir, spec);
  const summaryPath = join(dir, SUMMARY_FILE);
  if (existsSync(summaryPath)) {
    return { spec, summary: readJson(summaryPath) as TrainSummary, metrics: readMetrics(dir), reused: true };
  }
  writeFileAtomic(join(dir, SPEC_FILE), JSON.stringify(spec, null, 1) + "\n");
  const summary = await runner(spec, dir);
  const metrics = readMetrics(dir);
  if (metrics.length !== spec.epochs) {
    throw new BamsprodError(
      `run ${spec.dir} ended with ${plural(metrics.length, "epoch")} in ${METRICS_FILE}, expected ${spec.epochs}; run the comparison again to resume it`,
    );
  }
  writeFileAtomic(summaryPath, JSON.stringify(summary) + "\n");
  return { spec, summary, metrics, reused: false };
}

/** A directory made for other settings (say, another --epochs) must not be mistaken for this run. */
function checkSpec(dir: string, spec: RunSpec): void {
  const path = join(dir, SPEC_FILE);
  if (!existsSync(path)) return;
  const saved = JSON.stringify(readJson(path));
  const wanted = JSON.stringify(JSON.parse(JSON.stringify(spec)));
  if (saved !== wanted) {
    throw new BamsprodError(
      `${path} records different settings than this comparison asks for (${saved} vs ${wanted}); ` +
        `use a new --out directory, or delete ${dir} to redo that run`,
    );
  }
}

export function readMetrics(dir: string): EpochRecord[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch (err) {
      throw new BamsprodError(
        `${path} line ${i + 1} is not JSON (${(err as Error).message}): ${show(line.slice(0, 80))}`,
      );
    }
  });
  return parsed.filter((line) => !isMetricsHeader(line)) as EpochRecord[];
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new BamsprodError(
      `${path} is not valid JSON (${(err as Error).message}); delete it to redo the run`,
    );
  }
}
