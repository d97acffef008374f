/**
 * `bamsprod export --format c` from a checkpoint and from a .bnn: the same two files either way,
 * and the compiled model predicts what `bamsprod predict` predicts (whatever kernels it uses).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCleanError, runCli } from "../cli/helpers.js";
import { firstImages, trainedBmlpDir } from "./helpers.js";
import { buildClassify, runClassify } from "./cModel.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "bamsprod-export-c-"));

test("export --format c from a checkpoint and from its .bnn: same files, same classes as predict", async () => {
  const checkpoint = await trainedBmlpDir();
  const fromRun = tmp();
  const r = runCli(["export", "--checkpoint", checkpoint, "--format", "c", "--out", fromRun, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { fileBytes: number; bufferBytes: number; format: string };
  assert.equal(summary.format, "c");
  const source = readFileSync(join(fromRun, "bamsprod_model.c"));
  const header = readFileSync(join(fromRun, "bamsprod_model.h"));
  assert.equal(summary.fileBytes, source.length + header.length);

  const bnn = join(tmp(), "model.bnn");
  assert.equal(runCli(["export", "--checkpoint", checkpoint, "--out", bnn]).status, 0);
  const fromBnn = tmp();
  const text = runCli(["export", "--model", bnn, "--format", "c", "--out", fromBnn]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /wrote .*bamsprod_model\.h,bamsprod_model\.c\} \(c, model bmlp\)/);
  assert.match(text.stdout, /static buffers of bamsprod_predict: [\d,]+ bytes of RAM/);
  assert.deepEqual(readFileSync(join(fromBnn, "bamsprod_model.c")), source);

  const limit = 200;
  const { images, count } = firstImages(limit);
  const c = runClassify(buildClassify(fromRun), images, 10);
  const predicted = runCli(["predict", "--model", bnn, "--limit", String(limit), "--classes-only"]);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.deepEqual(Array.from(c.classes), predicted.stdout.trim().split("\n").map(Number));
  assert.equal(count, limit);
});

test("export's sources: exactly one, never written over", () => {
  const dir = tmp();
  const bnn = join(dir, "m.bnn");
  writeFileSync(bnn, "not a model");
  const cases: Array<[string[], RegExp]> = [
    [["export", "--out", join(dir, "x")], /pass exactly one source: --checkpoint DIR .*; got none/],
    [
      ["export", "--checkpoint", dir, "--model", bnn, "--out", join(dir, "x")],
      /pass exactly one source.*got ".*" and ".*m\.bnn"/,
    ],
    [["export", "--model", bnn, "--out", bnn], /--out ".*m\.bnn" is the input model; write to another file/],
    [
      ["export", "--model", bnn, "--format", "c", "--out", join(dir, "c")],
      /m\.bnn is not a bamsprod packed model/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.ok(isCleanError(r), `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(readFileSync(bnn, "utf8"), "not a model");
});
