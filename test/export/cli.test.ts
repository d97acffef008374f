import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { isCleanError, runCli } from "../cli/helpers.js";
import { compileModel, encodePacked } from "../../src/export/index.js";
import { argmax, firstImages, randomModel, referenceLogits, trainedBmlpDir } from "./helpers.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "bamsprod-export-cli-"));

test("export --format packed, then predict: the accuracy of evaluation mode, and its classes", async () => {
  const checkpoint = await trainedBmlpDir();
  const out = join(tmp(), "model.bnn");
  const exported = runCli([
    "export",
    "--checkpoint",
    checkpoint,
    "--format",
    "packed",
    "--out",
    out,
    "--json",
  ]);
  assert.equal(exported.status, 0, exported.stderr);
  const sizes = JSON.parse(exported.stdout) as Record<string, number>;
  assert.equal(sizes.fileBytes, readFileSync(out).length);
  assert.equal(sizes.binaryWeights, 784 * 512 + 512 * 512 + 512 * 10);
  assert.equal(sizes.binaryKernelBytes, sizes.binaryWeights / 8);
  assert.ok(sizes.floatBytes / sizes.fileBytes > 25);

  const limit = 200;
  const { model } = loadModelFromCheckpoint(checkpoint);
  const { images, labels, count } = firstImages(limit);
  const expected = argmax(referenceLogits(model, images, count), 10);
  const correct = expected.filter((c, i) => c === labels[i]).length;

  const predicted = runCli(["predict", "--model", out, "--limit", String(limit), "--json"]);
  assert.equal(predicted.status, 0, predicted.stderr);
  const result = JSON.parse(predicted.stdout) as { accuracy: number; correct: number; count: number };
  assert.deepEqual([result.correct, result.count], [correct, count]);

  const classes = runCli(["predict", "--model", out, "--limit", String(limit), "--classes-only"]);
  assert.equal(classes.status, 0, classes.stderr);
  assert.deepEqual(classes.stdout.trim().split("\n").map(Number), Array.from(expected));
  // Issue 16, case 11: --json is not ignored with --classes-only.
  const classesJson = runCli([
    "predict",
    "--model",
    out,
    "--limit",
    String(limit),
    "--classes-only",
    "--json",
  ]);
  assert.equal(classesJson.status, 0, classesJson.stderr);
  assert.deepEqual((JSON.parse(classesJson.stdout) as { classes: number[] }).classes, Array.from(expected));

  const text = runCli([
    "export",
    "--checkpoint",
    checkpoint,
    "--out",
    join(tmp(), "m.onnx"),
    "--format",
    "onnx",
  ]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /wrote .*m\.onnx \(onnx, model bmlp\): [\d,]+ bytes/);
});

const badRuns: Array<[string, () => string[], RegExp]> = [
  [
    "export without a checkpoint",
    () => ["export", "--checkpoint", tmp(), "--out", join(tmp(), "m.bnn")],
    /no checkpoint at .*checkpoint\.json/,
  ],
  [
    "export to an unknown format",
    () => ["export", "--checkpoint", tmp(), "--format", "tflite", "--out", "m"],
    /unknown export format "tflite"; use one of packed, onnx/,
  ],
  [
    "predict with a missing model file",
    () => ["predict", "--model", join(tmp(), "none.bnn")],
    /cannot read --model .*none\.bnn.*ENOENT/,
  ],
  [
    "predict with a checkpoint instead of a .bnn",
    () => {
      const path = join(tmp(), "checkpoint.json");
      writeFileSync(path, '{"format":"bamsprod-checkpoint"}');
      return ["predict", "--model", path];
    },
    /checkpoint\.json is not a bamsprod packed model \(\.bnn\)/,
  ],
  [
    "predict on a missing dataset",
    () => {
      const path = join(tmp(), "model.bnn");
      writeFileSync(path, encodePacked(compileModel(randomModel("bmlp", 1))));
      return ["predict", "--model", path, "--data", join(tmp(), "nowhere")];
    },
    /nowhere": no such file or directory/,
  ],
];

for (const [what, args, message] of badRuns) {
  test(`${what}: a one-line error and a non-zero exit`, () => {
    const r = runCli(args());
    assert.ok(isCleanError(r), `status ${r.status}, stderr:\n${r.stderr}`);
    assert.match(r.stderr, message);
  });
}
