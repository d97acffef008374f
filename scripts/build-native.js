#!/usr/bin/env node
// Builds the native kernels (native/, a Node-API addon linked to OpenBLAS) with node-gyp.
// Runs as the package's install script, so it never fails: when the addon cannot be built
// (no C++ compiler, no libopenblas-dev, no node-gyp, BAMSPROD_SKIP_NATIVE=1) it says why on
// one line and exits 0, and bamsprod uses its portable TypeScript kernels. The full compiler
// output goes to native/build/build.log; native/build/status.json records the outcome, which
// the kernel loader quotes when it falls back.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const buildDir = join(nativeDir, "build");
const verbose = process.argv.includes("--verbose");
const force = process.argv.includes("--force");
const addonFile = join(buildDir, "Release", "bamsprod_native.node");

function say(line) {
  process.stderr.write(`bamsprod: ${line}\n`);
}

function record(ok, reason, log) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, "build.log"), log);
  writeFileSync(
    join(buildDir, "status.json"),
    JSON.stringify({ ok, reason, at: new Date().toISOString() }) + "\n",
  );
}

// npm puts the path of its bundled node-gyp in npm_config_node_gyp while running scripts.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
    join(dirname(process.execPath), "node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Local Node headers (Debian's nodejs ships them in /usr/include/node) spare node-gyp a
// download that fails offline.
function localNodeDir() {
  const prefix = resolve(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include/node/node_api.h")) ? prefix : undefined;
}

function explain(log) {
  if (/cblas\.h: No such file/.test(log)) return "OpenBLAS headers not found (install libopenblas-dev)";
  if (/cannot find -lopenblas/.test(log)) return "OpenBLAS library not found (install libopenblas-dev)";
  if (
    /(g\+\+|c\+\+|gcc|\bcc|make)'?: (command )?not found|No such file or directory: '[^']*(gcc|g\+\+|c\+\+|\bcc)'|spawn (make|g\+\+|c\+\+) ENOENT/.test(
      log,
    )
  )
    return "no C++ toolchain (install g++ and make)";
  if (/Could not find any Python/i.test(log)) return "node-gyp needs python3";
  const error =
    log.split("\n").find((l) => /error:/i.test(l)) ?? log.split("\n").find((l) => /error/i.test(l));
  return error ? error.trim().slice(0, 160) : "node-gyp failed";
}

// True when the last build succeeded and its addon is newer than every source file: `npx bamsprod`
// runs this install script again the first time in a clone, and must not silently rebuild then.
function upToDate() {
  try {
    const status = JSON.parse(readFileSync(join(buildDir, "status.json"), "utf8"));
    if (status.ok !== true) return false;
    const built = statSync(addonFile).mtimeMs;
    const sources = readdirSync(nativeDir).filter((f) => /\.(cc|h|gyp)$/.test(f));
    return sources.every((f) => statSync(join(nativeDir, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

function main() {
  if (!force && upToDate()) {
    say("native kernels up to date (native/build/Release; --force rebuilds)");
    return;
  }
  if (process.env.BAMSPROD_SKIP_NATIVE === "1") {
    say("native kernels not built (BAMSPROD_SKIP_NATIVE=1); the portable kernels will be used");
    record(false, "skipped by BAMSPROD_SKIP_NATIVE=1", "");
    return;
  }
  const nodeGyp = findNodeGyp();
  if (nodeGyp === undefined) {
    say("native kernels not built (node-gyp not found); the portable kernels will be used");
    record(false, "node-gyp not found", "");
    return;
  }
  const args = [nodeGyp, "rebuild", `--directory=${nativeDir}`];
  const nodeDir = localNodeDir();
  if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  const log = `${run.stdout ?? ""}\n${run.stderr ?? ""}\n${run.error ? String(run.error) : ""}`;
  if (verbose) process.stderr.write(log);
  if (run.status === 0) {
    record(true, "built", log);
    say(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (native/build/Release)`);
  } else {
    const reason = explain(log);
    record(false, reason, log);
    say(
      `native kernels not built (${reason}); the portable kernels will be used. Details: native/build/build.log`,
    );
  }
}

try {
  main();
} catch (error) {
  say(
    `native kernels not built (${error instanceof Error ? error.message : String(error)}); the portable kernels will be used`,
  );
}
process.exit(0);
