#!/usr/bin/env node
// Builds the browser demo (open OUT/index.html, no server needed):
//   node scripts/build-demo.js [--model FILE.bnn] [--epochs N] [--out DIR]
// OUT defaults to examples/browser/dist. Without --model it trains bmlp on Fashion-MNIST (the
// installed dataset, else the embedded subset) for N epochs (default 3) and exports it with its
// class names; a model from an earlier build in OUT is reused. The page bundles the model, the
// first 40 test images and `bamsprod/runtime` into one script (esbuild), so it works from
// file://. Run through `npm run demo` (which builds and type-checks first).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { scriptArgs } from "./script-args.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const page = join(root, "examples", "browser");
const GALLERY = 40;

const { values, fail } = scriptArgs("build-demo", {
  model: { type: "string" },
  epochs: { type: "string", default: "3" },
  out: { type: "string", default: join(page, "dist") },
});
const lib = await import(join(root, "build", "src", "index.js"));

async function trainModel(epochs) {
  const out = mkdtempSync(join(tmpdir(), "bamsprod-demo-"));
  console.error(`build-demo: training bmlp for ${epochs} epoch(s) into ${out}`);
  await lib.train({ ...lib.trainDefaults, optimizerOptions: {}, epochs, valSize: 5000, out });
  const { spec } = lib.exportCheckpoint(out, "packed");
  spec.info.classNames ??= [...lib.fashionMnistClassNames];
  return lib.encodePacked(spec);
}

/** esbuild: "demo-data:NAME" is the file NAME in the output directory, as a Uint8Array. */
const demoData = (dir) => ({
  name: "demo-data",
  setup(b) {
    b.onResolve({ filter: /^demo-data:/ }, (args) => ({
      path: join(dir, args.path.slice("demo-data:".length)),
    }));
  },
});

const dist = resolve(values.out);
mkdirSync(dist, { recursive: true });
const modelPath = join(dist, "model.bnn");
if (values.model !== undefined) {
  if (!existsSync(values.model)) fail(`--model ${JSON.stringify(values.model)} does not exist`);
  try {
    lib.loadPacked(readFileSync(values.model), values.model);
  } catch (err) {
    fail(err.message);
  }
  if (resolve(values.model) !== modelPath) copyFileSync(values.model, modelPath);
} else if (!existsSync(modelPath)) {
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) {
    fail(`--epochs must be a positive integer, got ${JSON.stringify(values.epochs)}`);
  }
  const bytes = await trainModel(epochs);
  writeFileSync(`${modelPath}.tmp`, bytes);
  renameSync(`${modelPath}.tmp`, modelPath);
}
const test = lib.loadFashionMnist().test;
const count = Math.min(GALLERY, test.count);
writeFileSync(join(dist, "test-images.bin"), test.images.subarray(0, count * 784));
writeFileSync(join(dist, "test-labels.bin"), test.labels.subarray(0, count));
await build({
  entryPoints: [join(page, "app.ts")],
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2022",
  minify: true,
  loader: { ".bnn": "binary", ".bin": "binary" },
  plugins: [demoData(dist)],
  outfile: join(dist, "app.js"),
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(page, file), join(dist, file));
const kb = (path) => (statSync(path).size / 1024).toFixed(1);
console.log(
  `built ${join(dist, "index.html")}: app.js ${kb(join(dist, "app.js"))} KiB ` +
    `(model.bnn ${kb(modelPath)} KiB and ${count} test images embedded)`,
);
