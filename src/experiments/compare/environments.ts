/**
 * Which CPU kinds (kernel set, CPU model, vector paths, BLAS core type; see
 * src/kernels/environment.ts) the runs of a comparison computed on. Runs of one comparison on
 * different kinds are not comparable bit for bit, and the report says so.
 */
import { cpuKind, type KernelEnvironment } from "../../kernels/environment.js";
import { asEnvironments } from "../../train/environments.js";
import type { RunSpec } from "./plan.js";
import type { TrainSummary } from "./runs.js";

/** The environments a run's summary records (none for runs made before they were recorded). */
export function runEnvironments(summary: TrainSummary): KernelEnvironment[] {
  return asEnvironments(summary.environments);
}

/** Each CPU kind with the run directories that computed on it (a resumed run may list several kinds). */
export function cpuKinds(runs: readonly { spec: RunSpec; summary: TrainSummary }[]): Map<string, string[]> {
  const kinds = new Map<string, string[]>();
  for (const run of runs) {
    const seen = new Set(runEnvironments(run.summary).map(cpuKind));
    if (seen.size === 0) seen.add("not recorded");
    for (const kind of seen) kinds.set(kind, [...(kinds.get(kind) ?? []), run.spec.dir]);
  }
  return kinds;
}

/** The report's line about the CPU kinds: one kind, or a warning naming each kind's runs. */
export function cpuKindStatement(runs: readonly { spec: RunSpec; summary: TrainSummary }[]): string {
  const kinds = cpuKinds(runs);
  if (kinds.size <= 1) {
    const threads = [...new Set(runs.flatMap((r) => runEnvironments(r.summary).map((e) => e.threads)))];
    const threadText =
      threads.length === 0 ? "" : `, ${threads.join(" or ")} thread(s) (never changes the bits)`;
    return `Computed on: ${[...kinds.keys()][0] ?? "no runs"}${threadText}.`;
  }
  const parts = [...kinds].map(
    ([kind, dirs]) =>
      `${kind}: ${dirs.length} run(s) (${dirs.slice(0, 4).join(", ")}${dirs.length > 4 ? ", ..." : ""})`,
  );
  return `Warning: the runs of this comparison computed on ${kinds.size} different CPU kinds, so their numbers are not comparable bit for bit: ${parts.join("; ")}.`;
}
