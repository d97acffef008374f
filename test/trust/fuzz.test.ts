// Issue 16: a small, fixed, seeded dose of the fuzz run over checkpoints, optimizer states, model
// files, .bnn and IDX files (7 targets x 25 mutations); test/slow/fuzz.test.ts runs many more.
import { test } from "node:test";
import { fuzz } from "./fuzzRun.js";

test("fuzz: mutated checkpoints, optimizer states, model files, .bnn and IDX files give finite results or one-line errors", () => {
  fuzz(16, 25);
});
