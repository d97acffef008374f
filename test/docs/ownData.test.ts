import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bandSet, writeImageSplit } from "../data/imageFixtures.js";

const root = resolve(import.meta.dirname, "..", "..", "..");
const cli = join(root, "build", "src", "cli", "main.js");
const doc = readFileSync(join(root, "docs", "own-data.md"), "utf8");
const block = (lang: string): string => {
  const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(doc);
  assert.ok(match !== null, `docs/own-data.md has a ${lang} block`);
  return match[1];
};

test("docs/own-data.md: train, export and predict on an image folder run exactly as written", () => {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-own-data-"));
  const names = ["cat", "dog", "fox"];
  writeImageSplit(join(dir, "my-images"), "train", bandSet(300, [1, 28, 28], 3, 1), names);
  writeImageSplit(join(dir, "my-images"), "test", bandSet(60, [1, 28, 28], 3, 2), names);
  writeFileSync(join(dir, "model.json"), block("json"));
  const commands = block("sh").trim().split("\n");
  assert.equal(commands.length, 3);
  const outputs = commands.map((line) => {
    assert.match(line, /^npx bamsprod /);
    const args = line.replace(/^npx bamsprod /, "").split(/\s+/);
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, `${line}\n${r.stderr}`);
    return r;
  });
  assert.match(
    outputs[0].stderr,
    /data: image-folder at .*my-images: train 300, test 60 images; 3 classes \(cat, dog, fox\); images 1x28x28/,
  );
  assert.match(outputs[0].stdout, /done: 5 epochs, test accuracy \d+\.\d\d%/);
  const lines = outputs[2].stdout.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^my-images\/test\/cat\/0001\.png\t(cat|dog|fox)\t[01]\.\d{4}$/);
  // The generated classes are easy: both images are recognized.
  assert.deepEqual(
    lines.map((l) => l.split("\t")[1]),
    ["cat", "fox"],
  );
});

test("the README shows the guide's three commands", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(readme.includes(block("sh")), "README.md repeats the three commands of docs/own-data.md");
});

test("docs/own-data.md's TypeScript example is examples/fitCallbacks.ts, and it runs", () => {
  const source = readFileSync(join(root, "examples", "fitCallbacks.ts"), "utf8");
  assert.equal(block("ts"), source.replace('from "../src/index.js"', 'from "bamsprod"'));
  const cwd = mkdtempSync(join(tmpdir(), "bamsprod-example-"));
  const r = spawnSync(process.execPath, [join(root, "build", "examples", "fitCallbacks.js")], {
    cwd,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^data: /);
  assert.match(r.stdout, /epoch 1: train 0\.\d+, validation 0\.\d+/);
  assert.match(r.stdout, /test accuracy 0\.\d{4} after [1-3] epochs/);
});
