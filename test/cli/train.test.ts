import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir } from "../../src/data/index.js";
import { runCli, isCleanError } from "./helpers.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "bamsprod-cli-"));

const badInputs: Array<[string, string[], RegExp]> = [
  ["--epochs 0", ["--epochs", "0"], /--epochs.*positive integer.*"0"/],
  ["--lr -1", ["--lr", "-1"], /--lr.*"-1"/],
  ["--beta1 1", ["--beta1", "1"], /--beta1.*a number in \[0, 1\), got "1"/],
  ["--clip zero", ["--clip", "zero"], /--clip.*"zero"/],
  ["--batch-size abc", ["--batch-size", "abc"], /--batch-size.*"abc"/],
  [
    "unknown model",
    ["--model", "resnet"],
    /unknown model "resnet"; use one of bmlp, bcnn, mlp, cnn, birealnet, reactnet/,
  ],
  ["--width 0", ["--model", "birealnet", "--width", "0"], /--width.*positive integer.*"0"/],
  [
    "--width for bcnn",
    ["--model", "bcnn", "--width", "8"],
    /--width applies to birealnet and reactnet only, not to --model "bcnn"/,
  ],
  ["unknown optimizer", ["--optimizer", "adamw"], /adamw.*bamsprod/],
  ["option the optimizer lacks", ["--optimizer", "adam", "--threshold", "1e-6"], /threshold/],
  ["unknown schedule", ["--lr-schedule", "linear"], /--lr-schedule "linear" is not understood/],
  ["--eval-every 0", ["--eval-every", "0"], /--eval-every.*positive integer.*"0"/],
  [
    "--eval-size alone",
    ["--eval-size", "100"],
    /evalSize sizes the evaluations of evalEvery; give evalEvery too/,
  ],
];

for (const [what, args, message] of badInputs) {
  test(`train: ${what} is a one-line error with a non-zero exit`, () => {
    const out = tmp();
    const r = runCli(["train", ...args, "--out", out, "--data-dir", embeddedSubsetDir()]);
    assert.ok(isCleanError(r), `expected a clean error, got status ${r.status} and stderr:\n${r.stderr}`);
    assert.match(r.stderr, message);
  });
}

test("train --model birealnet --width 4: the run's model is the one summary --width 4 describes", () => {
  const out = tmp();
  const args = [
    "--model",
    "birealnet",
    "--width",
    "4",
    "--epochs",
    "1",
    "--train-size",
    "96",
    "--val-size",
    "32",
  ];
  const r = runCli(["train", ...args, "--data-dir", embeddedSubsetDir(), "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  type Summary = { rows: Array<{ name: string; outputShape: number[] }>; totals: Record<string, number> };
  const ofRun = JSON.parse(runCli(["summary", "--model", out, "--json"]).stdout) as Summary;
  const ofName = JSON.parse(
    runCli(["summary", "--model", "birealnet", "--width", "4", "--json"]).stdout,
  ) as Summary;
  assert.deepEqual(ofRun.totals, ofName.totals);
  assert.deepEqual(ofName.rows[1].outputShape, [4, 28, 28]); // the stem: 4 channels
  const help = runCli(["train", "--help"]).stdout;
  for (const name of ["birealnet", "reactnet", "--width"])
    assert.ok(help.includes(name), `train --help names ${name}`);
  const refused = runCli(["summary", "--model", "bmlp", "--width", "4"]);
  assert.ok(isCleanError(refused), refused.stderr);
  assert.match(refused.stderr, /--width applies to birealnet and reactnet only, not to --model "bmlp"/);
});

test("train: a missing dataset is named", () => {
  const r = runCli(["train", "--data-dir", join(tmp(), "nowhere"), "--out", tmp()]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(r.stderr, /--data ".*nowhere": no such file or directory/);
});

test("train: a corrupt dataset file is named in the error", () => {
  const dir = tmp();
  for (const f of [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  ]) {
    writeFileSync(join(dir, f), Buffer.from([0, 0, 8, 3, 0, 0, 0, 9]));
  }
  const r = runCli(["train", "--data-dir", dir, "--out", tmp()]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(r.stderr, /train-images-idx3-ubyte/);
});

test("train: an output directory that cannot be written is refused", () => {
  const file = join(tmp(), "file");
  writeFileSync(file, "");
  const r = runCli(["train", "--out", join(file, "run"), "--data-dir", embeddedSubsetDir()]);
  assert.ok(isCleanError(r), r.stderr);
  assert.match(r.stderr, /cannot write to output directory/);
});

test("train --json prints one summary on stdout; --eval-every records evaluations; --resume with another optimizer is refused", () => {
  const out = join(tmp(), "run");
  mkdirSync(out);
  const args = [
    "train",
    "--train-size",
    "256",
    "--batch-size",
    "64",
    "--epochs",
    "1",
    "--out",
    out,
    "--eval-every",
    "3",
  ];
  const r = runCli([...args, "--json", "--data-dir", embeddedSubsetDir()]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ["test_accuracy", "val_accuracy", "epochs", "seconds", "options"])
    assert.ok(key in summary, key);
  assert.equal(summary.epochs, 1);
  assert.match(r.stderr, /EMBEDDED|subset/i);
  const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
  assert.equal(metrics.length, 2, "a header line and one epoch");
  assert.deepEqual(JSON.parse(metrics[0]), { header: { environments: summary.environments } });
  // 256 images in batches of 64: 4 steps, evaluated at steps 0 and 3 and at the epoch's end.
  const line = JSON.parse(metrics[1]) as { step: number; evals: { step: number }[] };
  assert.equal(line.step, 4);
  assert.deepEqual(
    line.evals.map((e) => e.step),
    [0, 3, 4],
  );
  const again = runCli([...args, "--optimizer", "adam", "--resume", "--data-dir", embeddedSubsetDir()]);
  assert.ok(isCleanError(again), again.stderr);
  assert.match(again.stderr, /optimizer "bamsprod", not "adam"/);
});
