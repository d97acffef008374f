// Issue 16: the large dose of the seeded fuzz run (7 targets x 400 mutations, three seeds).
import { test } from "node:test";
import { fuzz } from "../trust/fuzzRun.js";

for (const seed of [1, 2, 3]) {
  test(`fuzz, seed ${seed}: 2,800 mutated inputs give finite results or one-line errors`, () => {
    fuzz(seed, 400);
  });
}
