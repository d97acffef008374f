/**
 * What `bamsprod train` shows: plain progress lines off a terminal; on a terminal (a real pty from
 * util-linux `script`, Ctrl-C typed into it) the bar, cleared before Ctrl-C's one line; the
 * resume point; plurals; the convex verdicts as a table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedSubsetDir } from "../../src/data/fashionMnist.js";
import { runCli } from "./helpers.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const small = [
  "--data",
  embeddedSubsetDir(),
  "--train-size",
  "256",
  "--val-size",
  "64",
  "--batch-size",
  "16",
];

test("train off a terminal: labelled progress lines, singular counts, one done line", () => {
  const out = join(mkdtempSync(join(tmpdir(), "bamsprod-term-")), "run");
  const r = runCli(["train", ...small, "--epochs", "1", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^model bmlp, optimizer bamsprod, 1 epoch of 16 batches$/m);
  assert.match(r.stderr, /^epoch 1\/1: 8\/16 batches, mean loss \d+\.\d{4}$/m);
  assert.match(r.stderr, /^epoch 1\/1: train loss \d+\.\d{4} acc/m);
  assert.match(r.stdout, /^done: 1 epoch, test accuracy /);
  assert.doesNotMatch(r.stderr + r.stdout, /bamsprod: bamsprod:|\b1 epochs\b/);
});

test("an optimizer option error names the optimizer once, without a doubled prefix", () => {
  const r = runCli(["train", "--gamma", "-5", "--epochs", "1"]);
  assert.notEqual(r.status, 0);
  assert.equal(
    r.stderr.trim().split("\n").pop(),
    "bamsprod: optimizer bamsprod: option gamma must be a finite number > 0, got -5",
  );
});

test("Ctrl-C on a terminal clears the bar, prints one line, and --resume says where it continues", async (t) => {
  if (spawnSync("script", ["--version"]).status !== 0) {
    t.skip("util-linux `script` (a pty) is not installed");
    return;
  }
  const out = join(mkdtempSync(join(tmpdir(), "bamsprod-term-")), "run");
  const args = [
    "train",
    ...small,
    "--train-size",
    "2000",
    "--batch-size",
    "8",
    "--epochs",
    "2",
    "--out",
    out,
  ];
  const command = [process.execPath, main, ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  let typed = false;
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
    // Ctrl-C once the bar has drawn a few batches, typed into the terminal as a user would.
    if (!typed && /\d+\/250 batches \| mean loss \d/.test(screen)) {
      typed = true;
      child.stdin.write("\x03");
    }
  });
  const status = await new Promise<number | null>((done) => child.on("close", done));
  assert.ok(typed, `the bar never showed:\n${screen}`);
  assert.equal(status, 130, screen);
  assert.match(screen, /epoch 1\/2 \[[\u2588\u2591]+\] \d+\/250 batches \| mean loss \d+\.\d{4} \| ETA \d/);
  const stop = "bamsprod: stopping after this batch and saving a checkpoint (Ctrl-C again to quit now)";
  const [before, after] = screen.split(stop);
  assert.ok(after !== undefined, `no stop line:\n${JSON.stringify(screen)}`);
  // The stop line starts on a cleared line: right before it the cursor went to column 1 and the
  // whole line (the bar, and the ^C the terminal echoed into it) was erased.
  const esc = String.fromCharCode(27);
  assert.ok(before.endsWith(`${esc}[1G${esc}[2K`), JSON.stringify(before.slice(-300)));
  // ... and nothing redraws a bar below it: what follows is the stop notice's own lines only.
  assert.doesNotMatch(after, /batches \|/, JSON.stringify(after));
  assert.match(after, /stopped; checkpoint saved in .*run \(continue with --resume\)/);

  const resumed = runCli([...args, "--resume"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(
    resumed.stderr,
    new RegExp(`^resuming ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} at epoch 1, batch \\d+ of 250$`, "m"),
  );
});

test("convex prints its verdicts as a table", () => {
  const out = mkdtempSync(join(tmpdir(), "bamsprod-convex-"));
  const r = runCli([
    "convex",
    "--steps",
    "200",
    "--problems",
    "reddi",
    "--optimizers",
    "adam,bamsprod",
    "--out",
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0], /^Verdicts after 200 steps \(seed 1\)$/);
  assert.match(
    lines[1],
    /^problem\s+optimizer\s+R_T\/T\s+tail regret \/ worst\s+final point optimal\s+sign flips\s+verdict$/,
  );
  assert.match(lines[2], /^-+( +-+){6}$/);
  assert.match(lines[3], /^reddi\s+adam\s+/);
  assert.match(lines[4], /^reddi\s+bamsprod\s+/);
  assert.equal(lines.at(-1), `results, plots and report (report.html) in ${out}`);
});
