// `bamsprod compare` stopped by a signal sent to it alone (not to its process group, as a
// terminal's Ctrl-C would be): the running training saves a checkpoint and stops, no new run
// starts, compare exits with the signal's code; the same command then resumes and finishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir } from "../../src/data/index.js";
import { cliEntryPoint } from "../../src/experiments/index.js";
import { runCli } from "../cli/helpers.js";

/** Run directories below `out` (those holding a train.log), and their logs. */
function trainLogs(out: string): { dir: string; log: string }[] {
  if (!existsSync(out)) return [];
  return readdirSync(out, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("train.log"))
    .map((f) => ({ dir: join(out, f, ".."), log: readFileSync(join(out, f), "utf8") }));
}

/** Process ids whose command line mentions `text` (Linux /proc). */
function processesWith(text: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  test(`compare stopped by ${signal} to its pid alone: the training saves a checkpoint, nothing new starts, exit ${code}; then it resumes`, async (t) => {
    const out = join(mkdtempSync(join(tmpdir(), "bamsprod-compare-signal-")), "cmp");
    t.after(() => rmSync(join(out, ".."), { recursive: true, force: true }));
    const args = ["compare", "--models", "bmlp", "--optimizers", "adam", "--grid", "adam:lr=1e-3"];
    const more = [
      "--seeds",
      "1",
      "--epochs",
      "2",
      "--tune-epochs",
      "1",
      "--train-size",
      "512",
      "--val-size",
      "64",
    ];
    const rest = ["--batch-size", "8", "--jobs", "1", "--data", embeddedSubsetDir(), "--out", out];
    const child = spawn(process.execPath, [cliEntryPoint(), ...args, ...more, ...rest], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // One grid point: no tuning, one run of two epochs. Signal once it is inside its first epoch.
    const poll = setInterval(() => {
      if (!child.killed && trainLogs(out).some((r) => /epoch 1\/2: \d+\/64 batches/.test(r.log))) {
        child.kill(signal);
      }
    }, 50);
    const status = await exit;
    clearInterval(poll);
    assert.equal(status, code, stderr);
    assert.match(stderr, new RegExp(`stopped by ${signal}; finished runs and checkpoints are kept`));
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    const runs = trainLogs(out);
    assert.equal(runs.length, 1, "no run started after the signal");
    assert.ok(existsSync(join(runs[0].dir, "checkpoint.json")), "the stopped run saved a checkpoint");
    assert.deepEqual(processesWith(out), [], "no training process is left running");

    const again = runCli([...args, ...more, ...rest]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(readFileSync(join(runs[0].dir, "train.log"), "utf8"), /--resume/);
    assert.match(again.stdout, /bmlp adam: test accuracy/);
    assert.equal(trainLogs(out).length, 1);
  });
}
