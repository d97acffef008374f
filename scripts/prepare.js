#!/usr/bin/env node
// The package's `prepare` step (npm runs it on `npm install` in a clone, on `npm pack`, and when
// `npx bamsprod` first links this directory): compiles src/ to build/src with tsc, so the CLI
// exists straight after installing. It skips the compile when build/src is up to date (every
// source has its output, none is newer than it, and no output is left from a deleted source),
// so `npx bamsprod` never silently rebuilds; a stale build/src is removed before compiling.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");
const outDir = join(root, "build", "src");
const config = join(root, "tsconfig.build.json");

/** Paths under dir (relative to it) ending in suffix, declaration files aside. */
function files(dir, suffix, prefix = "") {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = prefix + entry.name;
    if (entry.isDirectory()) return files(join(dir, entry.name), suffix, `${path}/`);
    return path.endsWith(suffix) && !path.endsWith(".d.ts") ? [path] : [];
  });
}

function upToDate() {
  const sources = files(srcDir, ".ts").map((f) => f.slice(0, -3));
  const outputs = new Set(files(outDir, ".js").map((f) => f.slice(0, -3)));
  if (sources.length !== outputs.size || !sources.every((f) => outputs.has(f))) return false;
  const inputs = [config, join(root, "tsconfig.json"), ...sources.map((f) => join(srcDir, `${f}.ts`))];
  const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  const oldestOutput = Math.min(...sources.map((f) => statSync(join(outDir, `${f}.js`)).mtimeMs));
  return newestInput <= oldestOutput;
}

if (upToDate()) {
  process.stderr.write(`bamsprod: ${relative(process.cwd(), outDir) || "."} is up to date\n`);
  process.exit(0);
}
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  process.stderr.write(
    "bamsprod: cannot compile src/: TypeScript is not installed (run `npm install` in this directory first)\n",
  );
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
const started = Date.now();
const run = spawnSync(process.execPath, [tsc, "-p", config], { cwd: root, stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);
// tsc writes 0644 files; the CLI must stay executable for npm's bin link (npx bamsprod).
const { bin } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
for (const file of Object.values(bin)) chmodSync(join(root, file), 0o755);
process.stderr.write(
  `bamsprod: compiled src/ to build/src in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
