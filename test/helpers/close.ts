/** Numeric assertions shared by tests (a helper, not a test). */
import assert from "node:assert/strict";

/** Asserts |a - b| <= tol, naming `what` and both values when it fails. */
export const close = (a: number, b: number, tol: number, what = ""): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
