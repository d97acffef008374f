import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnRunner, finalRuns, type CompareConfig } from "../../src/experiments/index.js";
import { TrainRunError } from "../../src/experiments/compare/spawnRunner.js";
import { BamsprodError } from "../../src/util/errors.js";

/**
 * TEST DOUBLE for the CLI entry point: a script that behaves like `bamsprod train --json` as far
 * as the runner can see (metrics.jsonl in --out, progress on stderr, one JSON line on stdout),
 * records its arguments, and fails when FAKE_TRAIN_FAIL is set.
 */
const fakeCli = `
import { writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
const args = process.argv.slice(2);
const get = (flag) => args[args.indexOf(flag) + 1];
const out = get("--out");
appendFileSync(join(out, "args.txt"), JSON.stringify(args) + "\\n");
process.stderr.write("epoch 1: fake progress\\n");
if (process.env.FAKE_TRAIN_FAIL) process.exit(3);
const epochs = Number(get("--epochs"));
const lines = [];
for (let e = 1; e <= epochs; e++) lines.push(JSON.stringify({ epoch: e, train_loss: 1 / e, train_accuracy: 0.5, val_accuracy: 0.5, test_accuracy: 0.5, flip_ratio: 0, seconds: 1, lr: 0.001 }));
writeFileSync(join(out, "metrics.jsonl"), lines.join("\\n") + "\\n");
process.stdout.write(JSON.stringify({ model: get("--model"), optimizer: get("--optimizer"), epochs, seconds: epochs, test_accuracy: 0.5, val_accuracy: 0.5, train_loss: 1, seed: Number(get("--seed")), data: "fake", stopped: false }) + "\\n");
`;

function fixture(): { root: string; entry: string; dir: string; spec: ReturnType<typeof finalRuns>[number] } {
  const root = mkdtempSync(join(tmpdir(), "bamsprod-spawn-"));
  const entry = join(root, "fake-main.mjs");
  writeFileSync(entry, fakeCli);
  const config: CompareConfig = {
    models: ["bmlp"],
    optimizers: ["adam"],
    seeds: 1,
    epochs: 2,
    tuneEpochs: 1,
    tuneSeeds: 1,
    jobs: 1,
    out: root,
    trainSize: 300,
    grids: {},
  };
  const [spec] = finalRuns(config, () => ({ lr: 0.002 }));
  const dir = join(root, spec.dir);
  mkdirSync(dir, { recursive: true });
  return { root, entry, dir, spec };
}

test("the spawning runner calls train with the contract's flags and reads its JSON summary", async () => {
  const { root, entry, dir, spec } = fixture();
  try {
    const summary = await spawnRunner({ entryPoint: entry })(spec, dir);
    assert.equal(summary.optimizer, "adam");
    assert.equal(summary.epochs, 2);
    const args = JSON.parse(readFileSync(join(dir, "args.txt"), "utf8").trim()) as string[];
    assert.deepEqual(args.slice(0, 7), ["train", "--model", "bmlp", "--optimizer", "adam", "--lr", "0.002"]);
    assert.ok(args.includes("--json") && !args.includes("--resume"));
    assert.equal(args[args.indexOf("--out") + 1], dir);
    assert.match(readFileSync(join(dir, "train.log"), "utf8"), /epoch 1: fake progress/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("an interrupted run (checkpoint present) is resumed with --resume", async () => {
  const { root, entry, dir, spec } = fixture();
  try {
    writeFileSync(join(dir, "checkpoint.json"), "{}");
    await spawnRunner({ entryPoint: entry })(spec, dir);
    const args = JSON.parse(readFileSync(join(dir, "args.txt"), "utf8").trim()) as string[];
    assert.ok(args.includes("--resume"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a failing child becomes a BamsprodError naming the run and its log", async () => {
  const { root, entry, dir, spec } = fixture();
  try {
    await assert.rejects(
      spawnRunner({ entryPoint: entry, env: { FAKE_TRAIN_FAIL: "1" } })(spec, dir),
      (e: Error) =>
        e instanceof BamsprodError &&
        /exit code 3/.test(e.message) &&
        e.message.includes(join(dir, "train.log")),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a runner already stopping starts no child and rejects with a stopped TrainRunError", async () => {
  const { root, entry, dir, spec } = fixture();
  try {
    const stopping = new AbortController();
    stopping.abort();
    await assert.rejects(
      spawnRunner({ entryPoint: entry, stop: stopping.signal })(spec, dir),
      (e: Error) => e instanceof TrainRunError && e.stopped && /not started: stopping/.test(e.message),
    );
    assert.ok(!existsSync(join(dir, "args.txt")), "no training process ran");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
