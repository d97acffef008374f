/**
 * An error caused by the user's input (an option, a file, a dataset), as opposed to a bug.
 * The CLI prints its message on one line and exits non-zero without a stack trace.
 * Messages name what was wrong, the offending value, and what to do.
 */
export class BamsprodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BamsprodError";
  }
}

/** Formats a value for an error message: strings quoted, numbers as written, NaN visible. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
