/** One status line of a queued phase: runs waiting / running / done, and what each worker is doing. */
import type { JobProgress } from "./queueJob.js";

export interface JobView {
  dir: string;
  /** BullMQ's state name: waiting, delayed, prioritized, active, ... */
  state: string;
  progress: JobProgress | null;
}

export function progressLine(open: readonly JobView[], doneBy: readonly string[]): string {
  const running = open.filter((v) => v.state === "active");
  const waiting = open.length - running.length;
  const workers = new Map<string, { done: number; training: string[] }>();
  const entry = (name: string): { done: number; training: string[] } => {
    let e = workers.get(name);
    if (e === undefined) workers.set(name, (e = { done: 0, training: [] }));
    return e;
  };
  for (const name of doneBy) entry(name).done++;
  for (const v of running) {
    const p = v.progress;
    if (p === null || typeof p !== "object") continue;
    entry(p.worker).training.push(`${v.dir} epoch ${p.epoch}/${p.epochs}`);
  }
  const parts = [...workers.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([name, w]) =>
        `${name}: ${w.done} done${w.training.length > 0 ? `, training ${w.training.join(", ")}` : ""}`,
    );
  return `queue: ${doneBy.length} done, ${running.length} running, ${waiting} waiting${parts.length > 0 ? ` | ${parts.join(" | ")}` : ""}`;
}
