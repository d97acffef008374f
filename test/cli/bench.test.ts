import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isCleanError } from "./helpers.js";

const bench = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "run.js");

// Each fails on its options, before measuring anything.
const cases: Array<[string[], RegExp]> = [
  [["train", "--steps", "x"], /^bench train: unknown or invalid option --steps x$/],
  [["infer", "--images", "3"], /^bench infer: unknown or invalid option --images 3$/],
  [["optim", "--steps", "0"], /^bench optim: --steps needs a whole number >= 1$/],
  [["native", "--seconds", "-1"], /^bench native: unknown or invalid option --seconds -1$/],
  [["nosuch"], /^bench: unknown benchmark "nosuch"; choose one of: /],
];

for (const [args, expected] of cases) {
  test(`npm run bench -- ${args.join(" ")}: one line naming the option, exit 2, no stack`, () => {
    const r = spawnSync(process.execPath, [bench, ...args], { encoding: "utf8" });
    assert.ok(isCleanError(r), r.stderr);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr.trim(), expected);
  });
}
