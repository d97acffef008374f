/**
 * `bamsprod/runtime` is browser-safe: esbuild bundles it for the browser with no Node built-in
 * in its module graph, and the bundle, run on its own, predicts what the library does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import { firstImages, randomModel } from "./helpers.js";

const root = resolve(import.meta.dirname, "..", "..", "..");

test("esbuild --bundle --platform=browser of bamsprod/runtime: no node: import, same predictions", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-runtime-"));
  const entry = join(dir, "entry.js");
  // Through the package name, as a user's bundler resolves it (package.json "exports").
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "bamsprod"));
  writeFileSync(entry, 'export * from "bamsprod/runtime";\n');
  const outfile = join(dir, "runtime.mjs");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    outfile,
    metafile: true,
    logLevel: "silent",
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((p) => p.endsWith("build/src/runtime/index.js")),
    inputs.join("\n"),
  );
  // Neither Node built-ins nor the Node-only backend choice (select.js loads the addon).
  assert.deepEqual(
    inputs.filter((p) => p.startsWith("node:") || /kernels\/(select|native\/)/.test(p)),
    [],
  );
  const code = readFileSync(outfile, "utf8");
  assert.doesNotMatch(code, /["']node:[a-z_/]+["']/);
  assert.doesNotMatch(code, /\brequire\(/);

  const runtime = (await import(pathToFileURL(outfile).href)) as typeof import("../../src/runtime/index.js");
  const spec = compileModel(randomModel("bmlp", 2));
  spec.info.classNames = Array.from({ length: 10 }, (_, i) => `item ${i}`);
  const bytes = encodePacked(spec);
  const { images, count } = firstImages(50);
  const model = runtime.loadPacked(bytes);
  assert.deepEqual(model.predict(images, count), loadPacked(bytes).predict(images, count));
  assert.deepEqual(runtime.classNames(model.spec), spec.info.classNames);
  const probs = runtime.probabilities(model.logits(images, count), 10);
  for (let r = 0; r < count; r++) {
    const row = probs.subarray(r * 10, r * 10 + 10);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
});
