import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { train, METRICS_FILE, type EpochMetrics } from "../../src/train/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { quickConfig } from "./helpers.js";

const withoutTime = (history: EpochMetrics[]): Omit<EpochMetrics, "seconds">[] =>
  history.map(({ seconds: _s, ...rest }) => rest);

test("training on the embedded subset learns far above chance", async () => {
  const config = quickConfig({ trainSize: 2000, epochs: 2, batchSize: 50 });
  const result = await train(config);
  const last = result.history[result.history.length - 1];
  assert.equal(result.history.length, 2);
  const test = result.test?.accuracy ?? 0;
  assert.ok(test > 0.6, `test accuracy ${test} should be far above chance (0.1)`);
  assert.ok((last.val_accuracy ?? 0) > 0.6, `validation accuracy ${last.val_accuracy} far above chance`);
  assert.equal(last.test_accuracy, null, "the test set is evaluated once, at the end");
  assert.ok(last.train_loss < result.history[0].train_loss + 0.05, "training loss does not blow up");
  assert.ok(last.flip_ratio > 0 && last.flip_ratio < 0.5, `flip ratio ${last.flip_ratio} in (0, 0.5)`);
  const [header, ...lines] = readFileSync(join(config.out, METRICS_FILE), "utf8").trim().split("\n");
  assert.deepEqual(JSON.parse(header), { header: { environments: result.environments } });
  assert.equal(result.environments.length, 1);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as EpochMetrics),
    result.history,
  );
});

test("the same seed gives the same run", async () => {
  const a = await train(quickConfig({ epochs: 1 }));
  const b = await train(quickConfig({ epochs: 1 }));
  assert.deepEqual(withoutTime(a.history), withoutTime(b.history));
  const c = await train(quickConfig({ epochs: 1, seed: 8 }));
  assert.notDeepEqual(withoutTime(a.history), withoutTime(c.history));
});

for (const optimizer of ["bamsprod", "bop"]) {
  test(`stopping mid-epoch and resuming ends bit-identical to an uninterrupted run (${optimizer})`, async () => {
    const options: Record<string, number> = optimizer === "bop" ? {} : { lr: 0.01 };
    const whole = await train(quickConfig({ optimizer, optimizerOptions: options }));
    const config = quickConfig({ optimizer, optimizerOptions: options });
    let batches = 0;
    const first = await train(config, false, { shouldStop: () => ++batches === 17 }); // inside epoch 2
    assert.equal(first.stopped, true);
    assert.equal(first.history.length, 1);
    const resumed = await train(config, true);
    assert.equal(resumed.stopped, false);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(whole.history));
    const paramsA = whole.model.parameters().map((p) => Array.from(p.tensor.data));
    const paramsB = resumed.model.parameters().map((p) => Array.from(p.tensor.data));
    assert.deepEqual(paramsB, paramsA);
    const buffersA = whole.model.buffers().map((b) => Array.from(b.data));
    assert.deepEqual(
      resumed.model.buffers().map((b) => Array.from(b.data)),
      buffersA,
    );
  });
}

test("resume refuses a checkpoint from another model or optimizer", async () => {
  const config = quickConfig({ epochs: 1 });
  await train(config);
  await assert.rejects(train({ ...config, model: "mlp" }, true), (e: Error) => {
    assert.ok(e instanceof BamsprodError);
    assert.match(e.message, /model "bmlp", not "mlp"/);
    return true;
  });
  await assert.rejects(train({ ...config, optimizer: "adam" }, true), /optimizer "bamsprod", not "adam"/);
  await assert.rejects(
    train({ ...config, lrSchedule: "cosine", epochs: 3 }, true),
    /lrSchedule "constant", not "cosine"/,
  );
});

test("resume may extend a run whose schedule does not depend on its length, but not a cosine one", async () => {
  const constant = quickConfig({ epochs: 1, lrSchedule: "constant" });
  await train(constant);
  const extended = await train({ ...constant, epochs: 2 }, true);
  assert.equal(extended.history.length, 2);
  const cosine = quickConfig({ epochs: 1, lrSchedule: "cosine" });
  await train(cosine);
  await assert.rejects(train({ ...cosine, epochs: 2 }, true), /cosine schedule spans 1 epoch; --epochs 2/);
});

test("a directory holding a checkpoint is not overwritten without --resume", async () => {
  const config = quickConfig({ epochs: 1 });
  await train(config);
  const before = readFileSync(join(config.out, "checkpoint.json"));
  await assert.rejects(train(config), /already holds a checkpoint/);
  assert.deepEqual(readFileSync(join(config.out, "checkpoint.json")), before);
});

test("resume without a checkpoint, a corrupt checkpoint and an unwritable directory are clear errors", async () => {
  const empty = mkdtempSync(join(tmpdir(), "bamsprod-empty-"));
  await assert.rejects(train(quickConfig({ out: empty }), true), /no checkpoint at/);
  writeFileSync(join(empty, "checkpoint.json"), '{"format": "bamsprod-checkpoint", "vers');
  await assert.rejects(train(quickConfig({ out: empty }), true), /not valid JSON/);
  const file = join(empty, "a-file");
  writeFileSync(file, "x");
  await assert.rejects(train(quickConfig({ out: join(file, "sub") })), /cannot write to output directory/);
  if (process.getuid?.() !== 0) {
    const locked = mkdtempSync(join(tmpdir(), "bamsprod-locked-"));
    chmodSync(locked, 0o500);
    await assert.rejects(train(quickConfig({ out: locked })), /cannot write to output directory/);
  }
  assert.equal(existsSync(join(empty, "metrics.jsonl")), false);
});

test("invalid numbers are rejected before any work", async () => {
  await assert.rejects(train(quickConfig({ epochs: 0 })), /epochs must be a positive integer, got 0/);
  await assert.rejects(
    train(quickConfig({ batchSize: 1.5 })),
    /batchSize must be a positive integer, got 1.5/,
  );
  await assert.rejects(train(quickConfig({ optimizerOptions: { lr: -1 } })), /lr/);
  await assert.rejects(
    train(quickConfig({ model: "resnet" })),
    /unknown model "resnet"; use one of bmlp, bcnn, mlp, cnn, birealnet, reactnet, or a model file/,
  );
  await assert.rejects(train(quickConfig({ trainSize: 10 ** 6 })), /--train-size 1000000 exceeds/);
});
