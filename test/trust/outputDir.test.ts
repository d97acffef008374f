// Issue 16, cases 5, 6, 8, 9, 10 and 11: a run owns its output directory (a lock naming its pid,
// a dead holder's lock taken over), stale temporary files are removed, a run that fails before
// training leaves nothing, export never writes over its inputs, SIGTERM saves like Ctrl-C.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { Dense, Flatten, Rescale, Sequential } from "../../src/nn/index.js";
import { embeddedSubsetDir, encodeIdxImages, encodeIdxLabels, type ImageSet } from "../../src/data/index.js";
import { checkpointPath, fit, type Callback, type FitOptions } from "../../src/train/index.js";
import { LOCK_FILE } from "../../src/train/outputDir.js";
import { halves } from "../train/helpers.js";
import { isCleanError, runCli } from "../cli/helpers.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-trust-out-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const model = (): Sequential =>
  new Sequential([new Rescale(), new Flatten(), new Dense({ units: 2 })], {
    inputShape: [1, 4, 4],
    classes: 2,
    seed: 3,
  });
const data = { train: halves(32, 1), test: halves(8, 3) };
const options: FitOptions = { optimizer: "adam", batchSize: 16, schedule: "constant", epochs: 1 };

test("case 6: a second run on a held directory is refused naming the holder; a dead holder's lock is taken over", async () => {
  const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    const out = join(tempDir(), "held");
    mkdirSync(out);
    writeFileSync(join(out, LOCK_FILE), `${holder.pid}\n`);
    await assert.rejects(
      fit(model(), data, { ...options, checkpointDir: out }),
      new RegExp(`is in use by another bamsprod run \\(process ${holder.pid}\\)`),
    );
    assert.deepEqual(readdirSync(out), [LOCK_FILE]); // nothing of the refused run
  } finally {
    holder.kill();
  }
  const out = join(tempDir(), "stale");
  mkdirSync(out);
  writeFileSync(join(out, LOCK_FILE), "999999999\n"); // no such process
  let held = "";
  const peek: Callback = { onEpochEnd: () => void (held = readFileSync(join(out, LOCK_FILE), "utf8")) };
  await fit(model(), data, { ...options, checkpointDir: out, callbacks: [peek] });
  assert.equal(held.trim(), String(process.pid), "the run holds the lock while it trains");
  assert.ok(existsSync(checkpointPath(out)));
  assert.ok(!existsSync(join(out, LOCK_FILE)), "the lock is released at the end");
});

test("case 8: temporary files of killed checkpoint writes are removed on start; a live writer's are kept", async () => {
  const out = join(tempDir(), "run");
  mkdirSync(out);
  const stale = join(out, ".checkpoint.json.999999999.tmp");
  const live = join(out, `.checkpoint.json.${process.ppid}.tmp`);
  writeFileSync(stale, "half a checkpoint");
  writeFileSync(live, "being written");
  await fit(model(), data, { ...options, checkpointDir: out });
  assert.ok(!existsSync(stale));
  assert.ok(existsSync(live));
});

test("case 11: an empty test set is refused, and a run that fails before training leaves no directory", async () => {
  const parent = tempDir();
  const out = join(parent, "a", "b");
  const empty = { ...data.test, images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 };
  await assert.rejects(
    fit(model(), { ...data, test: empty }, { ...options, checkpointDir: out }),
    /fit: the test set is empty \(0 images\)/,
  );
  await assert.rejects(
    fit(model(), data, { ...options, batchSize: 1e8, checkpointDir: out }),
    /batch size is 100,000,000, beyond the limit of 65,536/,
  );
  assert.deepEqual(readdirSync(parent), []);
});

test(
  "case 10: an output directory under /proc is refused at once instead of hanging",
  { skip: !existsSync("/proc/self") },
  async () => {
    await assert.rejects(
      fit(model(), data, { ...options, checkpointDir: "/proc/bamsprod-x/run" }),
      /cannot write to output directory "\/proc\/bamsprod-x\/run"/,
    );
  },
);

test("case 5: export refuses to write over the run's checkpoint, metrics or best weights, which stay intact", async () => {
  const run = join(tempDir(), "run");
  await fit(model(), data, { ...options, checkpointDir: run });
  const before = readFileSync(checkpointPath(run));
  for (const target of ["checkpoint.json", "metrics.jsonl", "best.json"]) {
    const r = runCli(["export", "--checkpoint", run, "--out", join(run, target)]);
    assert.ok(isCleanError(r), r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`is ".*${target.replace(".", "\\.")}" of the run being exported; write to another file`),
    );
  }
  assert.deepEqual(readFileSync(checkpointPath(run)), before);
});

test("case 11: predict refuses an empty test set instead of printing 0 / 0", async () => {
  const dir = tempDir();
  const run = join(dir, "run");
  await fit(model(), data, { ...options, checkpointDir: run });
  const bnn = join(dir, "model.bnn");
  assert.equal(runCli(["export", "--checkpoint", run, "--out", bnn]).status, 0);
  const empty = join(dir, "empty");
  mkdirSync(empty);
  const none: ImageSet = { ...data.test, images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 };
  writeFileSync(join(empty, "t10k-images-idx3-ubyte"), encodeIdxImages(none));
  writeFileSync(join(empty, "t10k-labels-idx1-ubyte"), encodeIdxLabels(none.labels));
  const r = runCli(["predict", "--model", bnn, "--data", empty]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(r.stderr, /the test set is empty \(0 images\): nothing to predict/);
});

test("case 9: SIGTERM stops after the batch, saves a checkpoint and exits 143; --resume finishes the run", async () => {
  const main = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");
  const out = join(tempDir(), "run");
  const args = ["train", "--model", "bmlp", "--epochs", "2", "--batch-size", "8", "--train-size", "512"];
  const more = ["--val-size", "64", "--lr-schedule", "constant", "--data", embeddedSubsetDir(), "--out", out];
  const child = spawn(process.execPath, [main, ...args, ...more], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      // The first progress line: training is under way, inside epoch 1.
      if (/epoch 1\/2: \d+\/64 batches/.test(stderr) && !child.killed) child.kill("SIGTERM");
    });
    child.on("exit", resolve);
  });
  assert.equal(code, 143, stderr);
  assert.match(stderr, /SIGTERM: stopping after this batch and saving a checkpoint/);
  const saved = JSON.parse(readFileSync(checkpointPath(out), "utf8")) as {
    progress: { epoch: number; batch: number };
  };
  assert.equal(saved.progress.epoch, 0);
  assert.ok(saved.progress.batch > 0, "the epoch in progress was saved");
  assert.ok(!existsSync(join(out, LOCK_FILE)));
  const resumed = runCli([...args, ...more, "--resume", "--json"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal((JSON.parse(resumed.stdout) as { epochs: number }).epochs, 2);
});
