import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir } from "../../src/data/index.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { runCli } from "./helpers.js";

/**
 * The largest |latent weight| of the binary kernels after two Adam steps of lr 3 (each step
 * moves a weight by about lr), trained through the CLI with `--clip` set to `clip`.
 */
function largestBinaryLatent(clip: string): number {
  const out = join(mkdtempSync(join(tmpdir(), "bamsprod-clip-")), "run");
  const r = runCli([
    ...["train", "--optimizer", "adam", "--lr", "3", "--lr-schedule", "constant", "--clip", clip],
    ...["--train-size", "128", "--val-size", "0", "--batch-size", "64", "--epochs", "1"],
    ...["--out", out, "--data-dir", embeddedSubsetDir()],
  ]);
  assert.equal(r.status, 0, r.stderr);
  const binary = loadModelFromCheckpoint(out)
    .model.parameters()
    .filter((p) => p.binary);
  assert.ok(binary.length > 0);
  return Math.max(...binary.map((p) => p.tensor.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
}

test("train --clip 2 keeps binary latent weights in [-2, 2] (the layers no longer clip at 1)", () => {
  assert.equal(largestBinaryLatent("2"), 2);
});

test("train --clip none leaves binary latent weights unbounded", () => {
  assert.ok(largestBinaryLatent("none") > 2);
});
