/**
 * File-system failures as one line naming the path and the reason (disk full, read-only,
 * permission), instead of Node's errno errors with a stack trace.
 */
import { BamsprodError, show } from "./errors.js";

const REASONS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exceeded",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "a parent is not a directory",
  EISDIR: "it is a directory",
  EEXIST: "it already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
  EIO: "input/output error",
  EFBIG: "the file is too large",
};

/** The errno code of a Node file-system error, or null. */
export function errnoCode(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : null;
}

/**
 * A BamsprodError for a failed file operation ("cannot write runs/a/checkpoint.json: the disk is
 * full (ENOSPC)"); BamsprodErrors and non-file errors pass through unchanged.
 */
export function fileError(err: unknown, action: string, path: string): unknown {
  if (err instanceof BamsprodError) return err;
  const code = errnoCode(err);
  if (code === null) return err;
  return new BamsprodError(`cannot ${action} ${show(path)}: ${REASONS[code] ?? code} (${code})`);
}
