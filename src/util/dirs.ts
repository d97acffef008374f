/**
 * Creating a directory and its missing parents one level at a time. Node's recursive mkdir
 * loops forever at 100% CPU under /proc (mkdir there fails with ENOENT although the parent
 * exists); walking the parent chain ourselves turns that into an error naming the path.
 */
import { mkdirSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { BamsprodError, show } from "./errors.js";
import { fileError } from "./fsErrors.js";

/** Creates `dir` and its missing parents; returns the directories it created, outermost first. */
export function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    const stat = statOrNull(current);
    if (stat !== null) {
      if (!stat.isDirectory()) {
        throw new BamsprodError(`cannot create directory ${show(dir)}: ${show(current)} is not a directory`);
      }
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && statOrNull(path)?.isDirectory() === true)
        continue;
      throw fileError(err, "create directory", path);
    }
  }
  return missing;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw fileError(err, "create directory", path);
  }
}
