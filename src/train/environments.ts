/**
 * The environments a run computed with (kernel set, CPU model and vector paths, BLAS core type,
 * threads; see src/kernels/environment.ts), in the order it ran on them: a run resumed
 * elsewhere lists both. Checkpoints keep the list; metrics.jsonl starts with it in a header line.
 */
import { asEnvironment, cpuKind, sameBits, type KernelEnvironment } from "../kernels/environment.js";
import type { EpochMetrics } from "./checkpoint.js";
import { show } from "../util/errors.js";

/**
 * The list after resuming on `now`: `recorded` with `now` appended when anything differs (the
 * thread count included). When the kernel set or CPU kind differs from the last one, `notice`
 * gets one line saying the bits may differ from an uninterrupted run.
 */
export function resumeEnvironments(
  recorded: readonly KernelEnvironment[],
  now: KernelEnvironment,
  notice: (line: string) => void,
): KernelEnvironment[] {
  const last = recorded[recorded.length - 1];
  if (last === undefined) return [now];
  if (!sameBits(last, now)) {
    notice(
      `bamsprod: resuming on ${cpuKind(now)}, not ${cpuKind(last)} as before: the bits may differ from an uninterrupted run`,
    );
  }
  return JSON.stringify(last) === JSON.stringify(now) ? [...recorded] : [...recorded, now];
}

/** A recorded list read back: the well-formed environments of `value` (none for older files). */
export function asEnvironments(value: unknown): KernelEnvironment[] {
  if (!Array.isArray(value)) return [];
  return value.map(asEnvironment).filter((e): e is KernelEnvironment => e !== null);
}

/** A checkpoint's `environments` checked: a list of well-formed environments (or absent: older checkpoints). */
export function checkEnvironments(value: unknown, fail: (problem: string) => never): KernelEnvironment[] {
  if (!Array.isArray(value)) return fail(`environments must be a list, got ${show(value)}`);
  return value.map(
    (e, i) =>
      asEnvironment(e) ??
      fail(`environments[${i}] must hold kernels, cpu, vectorPath, blasCore and threads, got ${show(e)}`),
  );
}

/** metrics.jsonl: a header line {"header":{"environments":[...]}}, then one line per epoch. */
export function metricsText(
  history: readonly EpochMetrics[],
  environments: readonly KernelEnvironment[],
): string {
  const header = JSON.stringify({ header: { environments } });
  return [header, ...history.map((m) => JSON.stringify(m))].join("\n") + "\n";
}

/** True for metrics.jsonl's header line (parsed), which readers of the epochs skip. */
export function isMetricsHeader(line: unknown): boolean {
  return typeof line === "object" && line !== null && "header" in line;
}
