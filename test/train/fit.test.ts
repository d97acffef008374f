import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dense, Flatten, Rescale, Sequential } from "../../src/nn/index.js";
import { halves } from "./helpers.js";
import {
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  evaluate,
  fit,
  predict,
  readModelFile,
  type Callback,
} from "../../src/train/index.js";

const tinyModel = (): Sequential =>
  new Sequential([new Rescale(), new Flatten(), new Dense({ units: 2 })], {
    inputShape: [1, 4, 4],
    classes: 2,
    seed: 3,
  });

const data = { train: halves(96, 1), validation: halves(32, 2), test: halves(40, 3) };
const base = {
  optimizer: "adam",
  optimizerOptions: { lr: 0.05 },
  batchSize: 16,
  schedule: "constant",
  seed: 5,
} as const;
const tmp = (): string => mkdtempSync(join(tmpdir(), "bamsprod-fit-"));

test("fit learns a tiny problem: training and validation metrics per epoch, the test set once at the end", async () => {
  const result = await fit(tinyModel(), data, { ...base, epochs: 3 });
  assert.equal(result.history.length, 3);
  for (const m of result.history) {
    assert.equal(m.test_accuracy, null);
    assert.ok(m.val_loss !== null && m.val_accuracy !== null);
  }
  const last = result.history[2];
  assert.ok(last.val_accuracy! > 0.9, `validation accuracy ${last.val_accuracy}`);
  assert.ok(result.test !== null && result.test.accuracy > 0.9, `test ${result.test?.accuracy}`);
  assert.deepEqual(result.test, evaluate(result.model, data.test));
  assert.equal(result.stopReason, null);
  // predict agrees with evaluate, and its probabilities are a distribution per image.
  const p = predict(result.model, data.test.images, data.test.count);
  let correct = 0;
  for (let i = 0; i < data.test.count; i++) if (p.classes[i] === data.test.labels[i]) correct++;
  assert.equal(correct / data.test.count, result.test.accuracy);
  assert.ok(Math.abs(p.probabilities[0] + p.probabilities[1] - 1) < 1e-6);
});

test("fit: testEveryEpoch evaluates the test set per epoch; validationSplit holds out training images", async () => {
  const result = await fit(
    tinyModel(),
    { train: data.train, test: data.test },
    { ...base, epochs: 2, testEveryEpoch: true, validationSplit: 24 },
  );
  assert.ok(result.history.every((m) => m.test_accuracy !== null && m.val_accuracy !== null));
  assert.equal(result.history[1].test_accuracy, result.test?.accuracy);
});

test("EarlyStopping stops when the monitored metric stops improving, and the test set is still evaluated", async () => {
  const stopper = new EarlyStopping({ monitor: "val_loss", patience: 2, minDelta: 10 });
  const result = await fit(tinyModel(), data, { ...base, epochs: 10, callbacks: [stopper] });
  // Epoch 1 sets the best; with minDelta 10 nothing improves after it: epochs 2 and 3 wait, then stop.
  assert.equal(result.history.length, 3);
  assert.equal(stopper.stoppedEpoch, 3);
  assert.match(result.stopReason ?? "", /early stopping: val_loss has not improved for 2 epochs/);
  assert.ok(result.test !== null);
});

test("ModelCheckpoint keeps the best model and restores it before the test evaluation", async () => {
  const path = join(tmp(), "best.json");
  // Sabotage after the last batch of epoch 3: negated weights turn the classifier around.
  const saboteur: Callback = {
    onBatchEnd: (logs, ctx) => {
      if (logs.epoch === 2 && logs.batch === logs.batches) {
        for (const p of ctx.model.parameters()) p.tensor.data.forEach((v, i, a) => (a[i] = -v));
      }
    },
  };
  const keeper = new ModelCheckpoint({ path, monitor: "val_accuracy", restoreBest: true });
  const result = await fit(tinyModel(), data, { ...base, epochs: 3, callbacks: [saboteur, keeper] });
  const [, second, third] = result.history;
  assert.ok(third.val_accuracy! < 0.2, `the sabotaged epoch is bad: ${third.val_accuracy}`);
  assert.ok(keeper.bestEpoch < 3);
  const best = result.history[keeper.bestEpoch - 1];
  assert.ok(best.val_accuracy! >= second.val_accuracy!);
  // The model ends with the best weights: validation accuracy is the best epoch's again.
  assert.equal(evaluate(result.model, data.validation).accuracy, best.val_accuracy);
  assert.ok(result.test!.accuracy > 0.9);
  const file = readModelFile(path);
  assert.equal(file.info.epoch, keeper.bestEpoch);
  const weights = result.model.parameters().map((p) => Array.from(p.tensor.data));
  const saved = result.model.parameters().map((p) => Array.from(file.tensors![`param:${p.name}`]));
  assert.deepEqual(saved, weights);
});

test("ReduceLROnPlateau multiplies the learning rate by its factor after `patience` epochs without improvement", async () => {
  const reducer = new ReduceLROnPlateau({ monitor: "val_loss", patience: 1, factor: 0.5, minDelta: 10 });
  const result = await fit(tinyModel(), data, { ...base, epochs: 4, callbacks: [reducer] });
  assert.deepEqual(
    result.history.map((m) => m.lr),
    [0.05, 0.05, 0.025, 0.0125],
  );
  assert.deepEqual(reducer.reductions, [2, 3, 4]);
});

test("user callbacks see every batch and epoch; interrupt stops and a resume ends as if never stopped", async () => {
  const counts = { begin: 0, batch: 0, epoch: 0, end: 0 };
  const counter: Callback = {
    onTrainBegin: () => void counts.begin++,
    onBatchEnd: () => void counts.batch++,
    onEpochEnd: () => void counts.epoch++,
    onTrainEnd: () => void counts.end++,
  };
  const whole = await fit(tinyModel(), data, { ...base, epochs: 2, callbacks: [counter] });
  assert.deepEqual(counts, { begin: 1, batch: 12, epoch: 2, end: 1 });

  const dir = tmp();
  let seen = 0;
  const stopper: Callback = { onBatchEnd: (_l, ctx) => void (++seen === 8 && ctx.interrupt()) };
  const first = await fit(tinyModel(), data, {
    ...base,
    epochs: 2,
    checkpointDir: dir,
    callbacks: [stopper],
  });
  assert.equal(first.interrupted, true);
  assert.equal(first.test, null);
  assert.ok(existsSync(join(dir, "checkpoint.json")));
  const resumed = await fit(tinyModel(), data, { ...base, epochs: 2, checkpointDir: dir, resume: true });
  const strip = (h: typeof whole.history) => h.map(({ seconds: _s, ...m }) => m);
  assert.deepEqual(strip(resumed.history), strip(whole.history));
  assert.deepEqual(resumed.test, whole.test);
});

test("fit refuses bad options and data the model does not take, before training", async () => {
  await assert.rejects(fit(tinyModel(), data, { epochs: 0 }), /fit: epochs must be an integer >= 1, got 0/);
  await assert.rejects(
    fit(tinyModel(), data, { schedule: "wobbly" }),
    /--lr-schedule "wobbly" is not understood/,
  );
  const wrong = { ...data.train, shape: [1, 2, 8] as [number, number, number] };
  await assert.rejects(
    fit(tinyModel(), { train: wrong }),
    /the train images are \[1, 2, 8\] but model "sequential" takes \[1, 4, 4\]/,
  );
  await assert.rejects(
    fit(tinyModel(), { train: data.train }, { callbacks: [new EarlyStopping()] }),
    /EarlyStopping monitors val_loss but fit has no validation data/,
  );
  assert.throws(() => new ReduceLROnPlateau({ factor: 2 }), /factor must be in \(0, 1\), got 2/);
  assert.throws(() => new EarlyStopping({ monitor: "val_acc" as never }), /monitor "val_acc" is unknown/);
});

test("evalEvery evaluates at step 0, every K steps and at each epoch's end; it changes no training and survives a resume", async () => {
  const plain = await fit(tinyModel(), data, { ...base, epochs: 2 });
  const every = await fit(tinyModel(), data, { ...base, epochs: 2, evalEvery: 4 });
  // 96 images in batches of 16: 6 steps per epoch.
  assert.deepEqual(
    every.history.map((m) => m.evals?.map((e) => e.step)),
    [
      [0, 4, 6],
      [8, 12],
    ],
  );
  assert.deepEqual(
    every.history.map((m) => m.step),
    [6, 12],
  );
  for (const m of every.history) {
    const end = m.evals?.at(-1);
    assert.equal(end?.val_accuracy, m.val_accuracy, "the epoch's end is the epoch's own evaluation");
    assert.equal(
      end?.seconds,
      every.history.slice(0, m.epoch).reduce((s, h) => s + h.seconds, 0),
    );
  }
  const seconds = every.history.flatMap((m) => m.evals?.map((e) => e.seconds) ?? []);
  assert.deepEqual(
    seconds,
    [...seconds].sort((a, b) => a - b),
    "training seconds only grow",
  );
  const strip = (h: typeof plain.history) => h.map(({ seconds: _s, evals: _e, ...m }) => m);
  assert.deepEqual(strip(every.history), strip(plain.history), "evaluating does not change training");
  assert.equal(plain.history[0].evals, undefined);

  const dir = tmp();
  let seen = 0;
  const stopper: Callback = { onBatchEnd: (_l, ctx) => void (++seen === 9 && ctx.interrupt()) };
  await fit(tinyModel(), data, {
    ...base,
    epochs: 2,
    evalEvery: 4,
    checkpointDir: dir,
    callbacks: [stopper],
  });
  const resumed = await fit(tinyModel(), data, {
    ...base,
    epochs: 2,
    evalEvery: 4,
    checkpointDir: dir,
    resume: true,
  });
  const accuracies = (h: typeof plain.history) => h.map((m) => m.evals?.map((e) => [e.step, e.val_accuracy]));
  assert.deepEqual(accuracies(resumed.history), accuracies(every.history));
  await assert.rejects(
    fit(tinyModel(), data, { ...base, epochs: 2, evalEvery: 2, checkpointDir: dir, resume: true }),
    /--resume: the checkpoint was made with evalEvery 4, not 2/,
  );
});

test("evalSize evaluates a fixed subset of the validation data; bad evalEvery and evalSize are refused", async () => {
  const result = await fit(tinyModel(), data, { ...base, epochs: 1, evalEvery: 3, evalSize: 10 });
  const evals = result.history[0].evals ?? [];
  assert.deepEqual(
    evals.map((e) => e.step),
    [0, 3, 6],
  );
  for (const e of evals)
    assert.equal(Math.round(e.val_accuracy * 10), e.val_accuracy * 10, "tenths of 10 images");
  await assert.rejects(
    fit(tinyModel(), data, { ...base, evalEvery: 0 }),
    /fit: evalEvery must be an integer >= 1, got 0/,
  );
  await assert.rejects(
    fit(tinyModel(), data, { ...base, evalSize: 5 }),
    /evalSize sizes the evaluations of evalEvery/,
  );
  await assert.rejects(
    fit(tinyModel(), { train: data.train }, { ...base, evalEvery: 2 }),
    /evalEvery evaluates on validation data/,
  );
});
