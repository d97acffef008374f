import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BamsprodError } from "../util/errors.js";

/** True if the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file and gunzips it if it is gzip-compressed. Detection uses the content (magic bytes),
 * not the file name, so a renamed or manually decompressed file still reads correctly.
 */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new BamsprodError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw new BamsprodError(
      `${path} is a truncated or corrupt gzip file (${(err as Error).message}): re-download or reinstall it`,
    );
  }
}
