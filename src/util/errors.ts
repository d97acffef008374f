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

/** Longest formatted value in a message; longer ones are cut (a whole state array is no help). */
const SHOW_LIMIT = 240;

/**
 * Formats a value for an error message: strings quoted, numbers as written, NaN visible; cut to
 * SHOW_LIMIT characters (with the full length said) so that a message stays one short line.
 */
export function show(value: unknown): string {
  const text = format(value);
  return text.length <= SHOW_LIMIT ? text : `${text.slice(0, SHOW_LIMIT)}... (${text.length} characters)`;
}

function format(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
