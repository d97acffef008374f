import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isCleanError, runCli } from "./helpers.js";
import { tempDir } from "../data/fixtures.js";
import { bandSet, csvText, pngBytes, rgbaOf, writeImageSplit } from "../data/imageFixtures.js";

const quick = ["--model", "bmlp", "--epochs", "1", "--batch-size", "16", "--val-size", "12"];

test("train on CSV with --image-shape and augmentation; the checkpoint records the augmentation", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "train.csv"), csvText(bandSet(60, [3, 4, 6], 3, 1)));
  writeFileSync(join(dir, "test.csv"), csvText(bandSet(15, [3, 4, 6], 3, 2)));
  const out = join(dir, "run");
  const r = runCli([
    "train",
    ...quick,
    "--data",
    dir,
    "--image-shape",
    "3,4,6",
    "--crop-padding",
    "1",
    "--flip",
    "--out",
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /data: csv at .*train\.csv,.*test\.csv: train 60, test 15 images; 3 classes \(0, 1, 2\); images 3x4x6/,
  );
  assert.match(r.stderr, /using train 48, validation 12 \(held out of train\), test 15/);
  const checkpoint = JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8")) as {
    fit: { augment: unknown };
  };
  assert.deepEqual(checkpoint.fit.augment, { padding: 1, flip: true });
});

test("bad data through the CLI is one line naming the file and line; --data and --data-dir are one option", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "train.csv"), "label,p1,p2,p3,p4\n1,2,3,4,5\n0,1,2,3\n");
  writeFileSync(join(dir, "test.csv"), "label,p1,p2,p3,p4\n1,2,3,4,5\n");
  const r = runCli(["train", ...quick, "--data", join(dir, "train.csv"), "--out", join(dir, "run")]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(r.stderr, /train\.csv line 3: 4 values, the header has 5\n$/);
  const both = runCli(["train", "--data", dir, "--data-dir", dir, "--out", join(dir, "run")]);
  assert.ok(isCleanError(both));
  assert.match(both.stderr, /--data and --data-dir are the same option/);
});

test("predict --image: one line (or JSON) per image; a wrong size or a color image for a gray model is refused", () => {
  const dir = tempDir();
  const images = join(dir, "imgs");
  writeImageSplit(images, "train", bandSet(90, [1, 6, 9], 3, 1), ["p", "q", "r"]);
  writeImageSplit(images, "test", bandSet(30, [1, 6, 9], 3, 2), ["p", "q", "r"]);
  const out = join(dir, "run");
  assert.equal(runCli(["train", ...quick, "--epochs", "3", "--data", images, "--out", out]).status, 0);
  const bnn = join(dir, "m.bnn");
  assert.equal(runCli(["export", "--checkpoint", out, "--out", bnn]).status, 0);
  const files = ["p/0001.png", "r/0003.png"].map((f) => join(images, "test", f));
  const json = runCli(["predict", "--model", bnn, "--image", ...files, "--json"]);
  assert.equal(json.status, 0, json.stderr);
  const rows = (
    JSON.parse(json.stdout) as { predictions: { file: string; class: string; probability: number }[] }
  ).predictions;
  assert.deepEqual(
    rows.map((p) => p.file),
    files,
  );
  for (const p of rows)
    assert.ok(["p", "q", "r"].includes(p.class) && p.probability > 1 / 3 && p.probability <= 1);
  const text = runCli(["predict", "--model", bnn, "--image", ...files]);
  assert.deepEqual(
    text.stdout.trim().split("\n"),
    rows.map((p) => `${p.file}\t${p.class}\t${p.probability.toFixed(4)}`),
  );
  const wrong = join(dir, "wrong.png");
  writeFileSync(wrong, pngBytes(rgbaOf(bandSet(1, [1, 6, 8], 1, 1), 0), 8, 6));
  const refused = runCli(["predict", "--model", bnn, "--image", wrong]);
  assert.ok(isCleanError(refused));
  assert.match(refused.stderr, /wrong\.png is 8x6 but the model takes 9x6 images/);
  const color = join(dir, "color.png");
  writeFileSync(color, pngBytes(rgbaOf(bandSet(1, [3, 6, 9], 1, 1), 0), 9, 6));
  assert.match(
    runCli(["predict", "--model", bnn, "--image", color]).stderr,
    /color\.png is in color but the model takes grayscale images/,
  );
});
