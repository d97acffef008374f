import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BatchNorm, Flatten, QuantDense, Rescale, Sequential } from "../../src/nn/index.js";
import { isCleanError, runCli } from "./helpers.js";
import { tempDir, writeIdxDataset } from "../data/fixtures.js";
import { bandSet } from "../data/imageFixtures.js";

/** A model built in code, saved with model.config(): the form `train --model FILE.json` reads. */
function modelFile(dir: string): string {
  const model = new Sequential(
    [
      new Rescale(),
      new Flatten(),
      new QuantDense({ units: 32, kernelQuantizer: "ste_sign", useBias: false }),
      new BatchNorm(),
      new QuantDense({ units: 3, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false }),
      new BatchNorm(),
    ],
    { inputShape: [1, 8, 12], classes: 3, seed: 1 },
  );
  const path = join(dir, "model.json");
  writeFileSync(path, JSON.stringify(model.config(), null, 1));
  return path;
}

test("train --model FILE.json: a bad layer is a one-line error naming it, before any data is loaded", () => {
  const dir = tempDir();
  const path = join(dir, "bad.json");
  writeFileSync(
    path,
    JSON.stringify({ layers: [{ kind: "flatten" }, { kind: "quant_dense", config: { units: -1 } }] }),
  );
  const r = runCli([
    "train",
    "--model",
    path,
    "--data",
    join(dir, "no-such-data"),
    "--out",
    join(dir, "run"),
  ]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(
    r.stderr,
    /bad\.json: layers\[1\] \(quant_dense\): QuantDense: units must be an integer >= 1, got -1\n$/,
  );
  assert.doesNotMatch(r.stderr, /no-such-data/);
});

test("model.config() -> JSON -> train --model FILE.json -> summary, export and predict with class names", () => {
  const dir = tempDir();
  const data = join(dir, "idx");
  mkdirSync(data);
  writeIdxDataset(data, bandSet(300, [1, 8, 12], 3, 1), bandSet(60, [1, 8, 12], 3, 2));
  writeFileSync(join(data, "classes.txt"), "left\nmiddle\nright\n");
  const file = modelFile(dir);
  const out = join(dir, "run");
  const r = runCli([
    "train",
    "--model",
    file,
    "--data",
    data,
    "--epochs",
    "2",
    "--batch-size",
    "20",
    "--val-size",
    "60",
    "--lr-schedule",
    "constant",
    "--out",
    out,
    "--json",
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /data: idx at .*idx: train 300, test 60 images; 3 classes \(left, middle, right\); images 1x8x12/,
  );
  const summary = JSON.parse(r.stdout) as { test_accuracy: number; val_accuracy: number };
  assert.ok(summary.test_accuracy > 0.6, `test accuracy ${summary.test_accuracy} far above chance (1/3)`);
  const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .slice(1) // the header line
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(metrics.length, 2);
  assert.ok(metrics.every((m) => m.test_accuracy === null && typeof m.val_loss === "number"));

  // The summary of the file, of the run and of the exported model describe the same layers.
  const ofFile = JSON.parse(runCli(["summary", "--model", file, "--json"]).stdout) as {
    rows: { name: string }[];
  };
  const ofRun = JSON.parse(runCli(["summary", "--model", out, "--json"]).stdout) as {
    rows: { name: string }[];
  };
  assert.deepEqual(ofRun.rows, ofFile.rows);
  const bnn = join(dir, "model.bnn");
  assert.equal(runCli(["export", "--checkpoint", out, "--out", bnn]).status, 0);
  const packed = runCli(["summary", "--model", bnn]);
  assert.equal(packed.status, 0, packed.stderr);
  assert.match(packed.stdout, /packed model: input 1x8x12 \(CxHxW\), 3 classes \(left, middle, right\)/);
  const predicted = runCli(["predict", "--model", bnn, "--data", data, "--json"]);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal((JSON.parse(predicted.stdout) as { accuracy: number }).accuracy, summary.test_accuracy);
});
