import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPath } from "../../src/experiments/compare/compare.js";

test("compare names each run by a path the user can paste: relative to the current directory", () => {
  assert.equal(
    runPath("runs/compare", "tune/bmlp-adam-lr0.001-s1"),
    join("runs", "compare", "tune", "bmlp-adam-lr0.001-s1"),
  );
  assert.equal(runPath(join(process.cwd(), "runs", "c"), "final/x"), join("runs", "c", "final", "x"));
  assert.equal(runPath(process.cwd(), ""), ".");
});
