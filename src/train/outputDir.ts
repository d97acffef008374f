/**
 * Ownership of a run's output directory: a lock file naming the training process, so that a
 * second `train --out D` is refused (naming the holder) instead of silently mixing two runs;
 * a lock left by a process that no longer exists is taken over. Stale temporary files of
 * killed writes are removed on start, and a run that fails before writing anything leaves no
 * trace (the directories it created are removed again while they are empty).
 */
import { closeSync, existsSync, openSync, readFileSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { processAlive, removeStaleTemps } from "../util/atomic.js";
import { makeDirs } from "../util/dirs.js";
import { fileError } from "../util/fsErrors.js";

export const LOCK_FILE = ".bamsprod.lock";

/** A held output directory. */
export interface OutputDir {
  /** Releases the lock and removes the directories this run created if nothing was written in them. */
  release(): void;
  /** Temporary files of killed writes that were removed on start. */
  removedTemps: string[];
}

/** Creates `dir` if needed and locks it for this process; throws if another live process holds it. */
export function acquireOutputDir(dir: string): OutputDir {
  const created = unwritable(dir, () => makeDirs(dir));
  const lock = join(dir, LOCK_FILE);
  try {
    unwritable(dir, () => takeLock(lock, dir));
  } catch (err) {
    removeDirs(created);
    throw err;
  }
  const removedTemps = removeStaleTemps(dir);
  let released = false;
  return {
    removedTemps,
    release(): void {
      if (released) return;
      released = true;
      if (ownsLock(lock)) rmSync(lock, { force: true });
      removeDirs(created);
    },
  };
}

/** Runs `f`, rewording its file-system failures as "cannot write to output directory D: ...". */
function unwritable<T>(dir: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const reason = err instanceof BamsprodError ? err.message : null;
    if (reason === null || !/^cannot (create directory|lock)/.test(reason)) throw err;
    throw new BamsprodError(
      `cannot write to output directory ${show(dir)}: ${reason.replace(/^cannot /, "could not ")}`,
    );
  }
}

function takeLock(lock: string, dir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(err, "lock", dir);
    }
    const holder = lockHolder(lock);
    if (holder !== null && holder !== process.pid && processAlive(holder)) {
      throw new BamsprodError(
        `${show(dir)} is in use by another bamsprod run (process ${holder}); wait for it to finish, stop it, ` +
          `or choose another --out directory`,
      );
    }
    rmSync(lock, { force: true }); // a stale lock: its process is gone
  }
  throw new BamsprodError(`cannot lock ${show(dir)}: its lock file ${LOCK_FILE} keeps changing`);
}

/** The pid in a lock file, or null when it is unreadable. */
export function lockHolder(lock: string): number | null {
  try {
    const pid = Number(readFileSync(lock, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function ownsLock(lock: string): boolean {
  return existsSync(lock) && lockHolder(lock) === process.pid;
}

/** Removes directories this run created, innermost first, only while they are empty. */
function removeDirs(created: readonly string[]): void {
  for (const path of [...created].reverse()) {
    try {
      rmdirSync(path);
    } catch {
      return;
    }
  }
}
