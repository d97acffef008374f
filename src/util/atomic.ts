import { readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { makeDirs } from "./dirs.js";
import { fileError } from "./fsErrors.js";

/** The temporary file `writeFileAtomic` writes before renaming it to `path`. */
function tempPath(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.${pid}.tmp`);
}

/**
 * Writes a file atomically: the data goes to a temporary file in the same directory, which is
 * then renamed over the target. A crash or Ctrl-C mid-write leaves either the old file or the
 * new one, never a half-written file. File-system failures (disk full, read-only, permission)
 * are one BamsprodError naming the path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  makeDirs(dirname(path));
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fileError(err, "write", path);
  }
}

/**
 * Removes the temporary files a killed `writeFileAtomic` left in `dir` (".NAME.PID.tmp") whose
 * process is gone; returns their names. Files of a live process are left alone.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /^\.(.+)\.(\d+)\.tmp$/.exec(name);
    if (match === null || processAlive(Number(match[2]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** True when a process with this id exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
