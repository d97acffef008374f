/**
 * Reading a file with a bound: the size is checked before anything is read (regular files),
 * and reading stops as soon as the bound is passed (devices, pipes, files that grow), so a
 * link to /dev/zero or a 2 GB file is refused without reading it.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { BamsprodError, show } from "./errors.js";
import { fileError } from "./fsErrors.js";
import { checkLimit, LIMITS } from "./limits.js";

const CHUNK = 1 << 20;

/**
 * Runs `f` on an open descriptor of `path`; file-system failures become one-line errors
 * ("cannot read --model "m.bnn": no such file or directory (ENOENT)" with `what` "--model").
 */
function withFile<T>(path: string, f: (fd: number) => T, what = ""): T {
  const action = what === "" ? "read" : `read ${what}`;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw fileError(err, action, path);
  }
  try {
    return f(fd);
  } catch (err) {
    throw fileError(err, action, path);
  } finally {
    closeSync(fd);
  }
}

/** Reads from `fd` until `n` bytes or the end; returns what it got. */
function readUpTo(fd: number, n: number): Buffer {
  const buffer = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const k = readSync(fd, buffer, got, n - got, null);
    if (k === 0) break;
    got += k;
  }
  return buffer.subarray(0, got);
}

/** The first `n` bytes of a file (fewer if it is shorter), without reading the rest. */
export function readHead(path: string, n: number): Buffer {
  return withFile(path, (fd) => readUpTo(fd, n));
}

/**
 * The bytes of `path`; BamsprodError when it is missing, a directory, or larger than `limit`.
 * `what` names the file in errors ("--model", "image").
 */
export function readFileBounded(path: string, limit: number = LIMITS.fileBytes, what = ""): Buffer {
  const name = what === "" ? show(path) : `${what} ${show(path)}`;
  return withFile(
    path,
    (fd) => {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw new BamsprodError(`cannot read ${name}: it is a directory`);
      if (stat.isFile()) checkLimit(`the size of ${name}`, stat.size, limit, " bytes");
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = readUpTo(fd, Math.min(CHUNK, limit - total + 1));
        if (chunk.length === 0) break;
        total += chunk.length;
        checkLimit(`the data read from ${name}`, total, limit, " bytes");
        chunks.push(chunk);
      }
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
    },
    what,
  );
}
