#!/usr/bin/env node
// Runs the compiled tests with Node's own test runner, on both kernel sets:
//   1. every fast test (build/test/**/*.test.js outside slow/) with BAMSPROD_KERNELS=portable,
//      installed before any test by a preload (a test may still install another backend);
//   (a test file that runs past 5 minutes, 30 with --slow, fails rather than hanging the run)
//   2. when the native addon is built, every fast test again with BAMSPROD_KERNELS=native,
//      installed before any test by a preload (CLI tests' child processes inherit the choice).
// `--slow` runs build/test/slow/**/*.test.js instead (long trainings, full-dataset checks).
// Each pass runs with TMPDIR set to a directory of its own, removed when the pass ends, so
// the temporary files of tests (and of the processes they start) never pile up in /tmp.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const slow = process.argv.includes("--slow");
// Node applies the timeout to each test file as a whole; test/slow/exportExact alone takes about
// ten minutes on two cores (every certain test image of four models, on both kernel sets).
const timeoutMs = (slow ? 30 : 5) * 60 * 1000;
const root = "build/test";
const nativeAddon = "native/build/Release/bamsprod_native.node";
const preload = "./build/test/kernels/useBackend.js";

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

function run(label, files, env = {}, extra = []) {
  console.log(`\n== ${label}: ${files.length} test files ==`);
  const temp = mkdtempSync(join(tmpdir(), "bamsprod-tests-"));
  try {
    const result = spawnSync(
      process.execPath,
      [...extra, "--test", "--test-concurrency=2", `--test-timeout=${timeoutMs}`, ...files],
      {
        stdio: "inherit",
        env: { ...process.env, ...env, TMPDIR: temp },
      },
    );
    return result.status ?? 1;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

const files = slow ? collect(join(root, "slow")) : collect(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}${slow ? "/slow" : ""}; run \`npm run build\` first`);
  process.exit(1);
}
const portable = { BAMSPROD_KERNELS: "portable", BAMSPROD_QUIET_KERNELS: "1" };
let status = slow
  ? run("default kernels", files)
  : run("portable kernels", files, portable, ["--import", preload]);
if (!slow) {
  if (existsSync(nativeAddon)) {
    const env = { BAMSPROD_KERNELS: "native", BAMSPROD_QUIET_KERNELS: "1" };
    status = run("native kernels", files, env, ["--import", preload]) || status;
  } else {
    console.log(`\n== native kernels: skipped, the addon is not built (${nativeAddon} missing) ==`);
  }
}
process.exit(status);
