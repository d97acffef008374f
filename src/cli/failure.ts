/**
 * What the CLI prints when a command fails: always one line, never a stack trace (set
 * BAMSPROD_DEBUG=1 to get the stack of an internal error). Input errors exit 2; file-system
 * failures name the path; running out of memory says so; anything else is an internal error.
 */
import { BamsprodError } from "../util/errors.js";
import { errnoCode } from "../util/fsErrors.js";

export function describeFailure(err: unknown): { message: string; code: number } {
  if (err instanceof BamsprodError) {
    // An optimizer named "bamsprod" starts its messages with its name: say which "bamsprod" it is.
    const message = err.message.startsWith("bamsprod: ") ? `optimizer ${err.message}` : err.message;
    return { message: oneLine(message), code: 2 };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const errno = errnoCode(e);
  if (errno !== null) {
    const path = (e as NodeJS.ErrnoException).path;
    return {
      message: oneLine(`cannot ${path === undefined ? "complete the command" : `use ${path}`}: ${e.message}`),
      code: 2,
    };
  }
  if (
    e instanceof RangeError &&
    /allocation failed|Invalid (typed )?array length|Array buffer/i.test(e.message)
  ) {
    return {
      message: oneLine(`out of memory: ${e.message}; use smaller inputs (see docs/limits.md)`),
      code: 2,
    };
  }
  const detail =
    process.env.BAMSPROD_DEBUG === "1" ? `\n${e.stack ?? ""}` : " (set BAMSPROD_DEBUG=1 for the stack)";
  return { message: `internal error: ${oneLine(`${e.name}: ${e.message}`)}${detail}`, code: 1 };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
