import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadAddon } from "../../src/kernels/native/addon.js";

const root = resolve(import.meta.dirname, "..", "..", "..");

/** Runs the first ts example of a README section, importing the built package; returns stdout. */
function runExample(heading: string, epilogue = ""): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(heading));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match !== null, `the section ${heading} has a ts example`);
  const entry = join(root, "build", "src", "index.js");
  const code = match[1].replace('from "bamsprod"', `from ${JSON.stringify(entry)}`);
  const file = join(mkdtempSync(join(tmpdir(), "bamsprod-readme-")), "example.mjs");
  writeFileSync(file, `${code}\n${epilogue}`);
  const env = { ...process.env };
  delete env.BAMSPROD_KERNELS; // the example shows the default choice
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("the README's optimizer example runs as written", () => {
  const stdout = runExample("## The optimizer API", "console.log(JSON.stringify(Array.from(weights)));\n");
  const after = JSON.parse(stdout) as number[];
  // One BAMSProd step moves every weight against its gradient's sign.
  assert.ok(after[0] < 0.3 && after[1] > -0.2 && after[2] < 0.05, `weights after one step: ${stdout}`);
});

test("the README's backend example runs as written: the CLI's default, then the portable backend", () => {
  const lines = runExample("## Choosing the backend").trim().split("\n");
  assert.deepEqual(lines, [loadAddon().addon === null ? "portable" : "native", "portable 11"]);
});

test("the README starts with the two commands, and CI runs the same test command", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```sh\n(.*?)\n```/g)].slice(0, 2).map((m) => m[1].split("#")[0].trim());
  assert.deepEqual(blocks, ["bash scripts/install.sh && npm start", "bash scripts/install.sh && npm test"]);
  const ci = readFileSync(join(root, ".ci", "run"), "utf8");
  assert.match(ci, /^bash scripts\/install\.sh\nnpm test$/m);
});
