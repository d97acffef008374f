import { gunzipSync } from "node:zlib";
import { BamsprodError } from "../util/errors.js";
import { LIMITS } from "../util/limits.js";
import { readFileBounded } from "../util/readBounded.js";

export { readHead } from "../util/readBounded.js";

/** True if the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file and gunzips it if it is gzip-compressed. Detection uses the content (magic bytes),
 * not the file name, so a renamed or manually decompressed file still reads correctly. Both the
 * file and its decompressed contents are bounded by LIMITS.fileBytes (docs/limits.md).
 */
export function readMaybeGzip(path: string, limit: number = LIMITS.fileBytes): Uint8Array {
  const raw = readFileBounded(path, limit);
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new BamsprodError(
        `${path} decompresses to more than ${limit.toLocaleString("en-US")} bytes, beyond the limit (see docs/limits.md)`,
      );
    }
    throw new BamsprodError(
      `${path} is a truncated or corrupt gzip file (${(err as Error).message}): re-download or reinstall it`,
    );
  }
}
