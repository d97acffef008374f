#!/usr/bin/env node
// Runs the compiled tests with Node's own test runner. Fast tests are build/test/**/*.test.js;
// `--slow` runs build/test/slow/**/*.test.js instead (long trainings, full-dataset checks).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const slow = process.argv.includes("--slow");
const root = "build/test";

function collect(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (slow || entry !== "slow") out.push(...collect(path));
    } else if (entry.endsWith(".test.js")) {
      out.push(path);
    }
  }
  return out;
}

const files = slow ? collect(join(root, "slow")) : collect(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}${slow ? "/slow" : ""}; run \`npm run build\` first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
