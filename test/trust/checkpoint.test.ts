// Issue 16, cases 1-3, and issue 11's state-dict part: a checkpoint is checked field by field and
// value by value before use; resume refuses other data and says what differs; the model owns its
// state dict, so export reaches checkpoints without the training loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after } from "node:test";
import { BatchNorm, Dense, Flatten, QuantDense, Rescale, Sequential } from "../../src/nn/index.js";
import { halves } from "../train/helpers.js";
import {
  checkpointPath,
  decodeCheckpoint,
  encodeCheckpoint,
  fit,
  loadModelFromCheckpoint,
  type Callback,
  type FitData,
  type FitOptions,
} from "../../src/train/index.js";
import { BamsprodError } from "../../src/util/errors.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-trust-ckpt-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const model = (): Sequential =>
  new Sequential(
    [
      new Rescale(),
      new Flatten(),
      new QuantDense({ units: 8, kernelQuantizer: "ste_sign" }),
      new BatchNorm(),
      new Dense({ units: 2 }),
    ],
    {
      inputShape: [1, 4, 4],
      classes: 2,
      seed: 3,
    },
  );

const data = { train: halves(64, 1), validation: halves(16, 2), test: halves(16, 3) };
const options: FitOptions = {
  optimizer: "bamsprod",
  batchSize: 16,
  schedule: "constant",
  seed: 5,
  epochs: 2,
};

/** A run directory stopped after `batches` batches (resumable). */
async function stoppedRun(batches: number, extra: FitOptions = {}): Promise<string> {
  const dir = join(tempDir(), "run");
  let seen = 0;
  const stopper: Callback = { onBatchEnd: (_l, ctx) => void (++seen === batches && ctx.interrupt()) };
  await fit(model(), data, { ...options, ...extra, checkpointDir: dir, callbacks: [stopper] });
  return dir;
}

const run = stoppedRun(6); // epoch 1, batch 2

/** A copy of the stopped run whose checkpoint document `edit` changed. */
async function edited(edit: (doc: Doc) => unknown): Promise<string> {
  const dir = join(tempDir(), "copy");
  cpSync(await run, dir, { recursive: true });
  const doc = JSON.parse(readFileSync(checkpointPath(dir), "utf8")) as Doc;
  const replaced = edit(doc);
  writeFileSync(checkpointPath(dir), JSON.stringify(replaced === undefined ? doc : replaced));
  return dir;
}

function poke(text: string, index: number, value: number): string {
  const bytes = Buffer.from(text, "base64");
  const a = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  a[index] = value;
  return Buffer.from(a.buffer).toString("base64");
}

const resume = (dir: string, d: FitData = data): Promise<unknown> =>
  fit(model(), d, { ...options, checkpointDir: dir, resume: true });

/** A one-line BamsprodError matching `pattern`. */
const oneLine =
  (pattern: RegExp) =>
  (err: Error): boolean => {
    assert.ok(err instanceof BamsprodError, `${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  };

test("case 3: malformed checkpoints are one error naming the field, before any training", async () => {
  const cases: Array<[string, (doc: Doc) => unknown, RegExp]> = [
    ["null", () => null, /the document must be an object, got null/],
    [
      "no tensors",
      (d) => void delete d.tensors,
      /tensors must be an object of base64 strings, got undefined/,
    ],
    ["no config", (d) => void delete d.config, /config must be an object, got undefined/],
    ["no progress", (d) => void delete d.progress, /progress must be an object, got undefined/],
    ["no fit", (d) => void delete d.fit, /fit must be an object, got undefined/],
    [
      "history not an array",
      (d) => void (d.history = "x"),
      /history must be an array of epoch records, got "x"/,
    ],
    ["rng a string", (d) => void (d.rng = "abc"), /rng must be \[four 32-bit words/],
    ["batch 1e9", (d) => void (d.progress.batch = 1e9), /progress is at epoch 1 batch 1000000000, beyond/],
    ["lrScale NaN", (d) => void (d.lrScale = "NaN"), /lrScale must be a finite number, got "NaN"/],
    [
      "a bad tensor",
      (d) => void (d.tensors["param:dense_1/bias"] = "%%"),
      /tensor "param:dense_1\/bias" is not base64/,
    ],
    [
      "a NaN loss",
      (d) => void (d.history[0].train_loss = null),
      /history\[0\]\.train_loss must be a finite number >= 0/,
    ],
  ];
  for (const [what, edit, pattern] of cases) {
    const dir = await edited(edit);
    await assert.rejects(resume(dir), oneLine(pattern), what);
    assert.throws(() => loadModelFromCheckpoint(dir), oneLine(pattern), what);
  }
});

test("case 1: a negative second moment or a NaN weight in a checkpoint is refused, naming tensor and index", async () => {
  const v = await edited(
    (d) => void (d.optimizer.tensors[0].state.v = poke(d.optimizer.tensors[0].state.v, 5, -1)),
  );
  const vMessage =
    /optimizer state: .*state v of tensor "quant_dense_1\/kernel" \(params\[0\]\) holds -1 at index 5; it must be >= 0/;
  await assert.rejects(resume(v), oneLine(vMessage));
  const nan = await edited(
    (d) =>
      void (d.tensors["param:quant_dense_1/kernel"] = poke(d.tensors["param:quant_dense_1/kernel"], 7, NaN)),
  );
  const nanMessage = /tensor "param:quant_dense_1\/kernel" holds NaN at index 7; its values must be finite/;
  await assert.rejects(resume(nan), oneLine(nanMessage));
  assert.throws(() => loadModelFromCheckpoint(nan), oneLine(nanMessage));
});

test("case 1: under Bop, a binary weight other than -1 or +1 in a checkpoint is refused", async () => {
  const dir = await stoppedRun(2, { optimizer: "bop" });
  const doc = JSON.parse(readFileSync(checkpointPath(dir), "utf8")) as Doc;
  doc.tensors["param:quant_dense_1/kernel"] = poke(doc.tensors["param:quant_dense_1/kernel"], 3, 0.5);
  writeFileSync(checkpointPath(dir), JSON.stringify(doc));
  assert.throws(
    () => loadModelFromCheckpoint(dir),
    oneLine(
      /binary tensor "param:quant_dense_1\/kernel" holds 0.5 at index 3; under Bop binary weights are exactly -1 or \+1/,
    ),
  );
});

test("case 2: resume refuses other data and says what differs; the same data resumes", async () => {
  const copy = async (): Promise<string> => edited(() => undefined);
  const other = halves(64, 9); // same sizes, other pixels
  await assert.rejects(
    resume(await copy(), { ...data, train: other }),
    oneLine(/trained on other data \(same sizes but different contents/),
  );
  await assert.rejects(
    resume(await copy(), { ...data, train: halves(48, 1) }),
    oneLine(/trained on other data \(64 vs 48 training images\)/),
  );
  await assert.rejects(
    resume(await copy(), { ...data, validation: null }),
    oneLine(/16 vs 0 validation images/),
  );
  await assert.rejects(resume(await copy(), { ...data, test: null }), oneLine(/16 vs 0 test images/));
  const done = (await resume(await copy())) as { history: unknown[] };
  assert.equal(done.history.length, 2);
});

test("encodeCheckpoint and decodeCheckpoint round-trip a checkpoint exactly", async () => {
  const text = readFileSync(checkpointPath(await run), "utf8");
  const state = decodeCheckpoint(text);
  assert.equal(encodeCheckpoint(state), text);
  const d = state.data;
  assert.deepEqual([d?.trainCount, d?.validationCount, d?.testCount], [64, 16, 16]);
});

test("issue 11: export reaches checkpoints without importing the training loop; the state dict is the model's", () => {
  const src = resolve(import.meta.dirname, "..", "..", "src");
  const closure = (entry: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, "utf8").matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms))
        visit(resolve(dirname(file), m[1]));
    };
    visit(join(src, entry));
    return seen;
  };
  for (const entry of ["export/index.js", "cli/commands/export.js", "cli/commands/predict.js"]) {
    const modules = closure(entry);
    for (const loop of ["fit.js", "loop.js"])
      assert.ok(!modules.has(join(src, "train", loop)), `${entry} imports train/${loop}`);
  }
  assert.ok(closure("train/checkpoint.js").has(join(src, "nn", "stateDict.js")));
  assert.ok(closure("index.js").has(join(src, "train", "fit.js")), "the walk follows imports");
});
