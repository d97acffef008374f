#!/usr/bin/env node
// Regenerates data/fashion-mnist-subset/ (the embedded default dataset) from the full
// Fashion-MNIST: a seeded, class-balanced selection made with the library's own subsample().
// Usage: npm run build && node scripts/make-embedded-subset.js [FULL_DIR] [--train N] [--test N] [--seed S]
// FULL_DIR defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
// Same inputs and arguments give byte-identical files.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  encodeIdxImages,
  encodeIdxLabels,
  fashionMnistClassNames,
  loadIdxDataset,
  subsample,
} from "../build/src/data/index.js";

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
const fullDir = positional[0] ?? "/usr/share/datasets/fashion-mnist";
const trainCount = option("--train", 5000);
const testCount = option("--test", 1000);
const seed = option("--seed", 20170825);
const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "fashion-mnist-subset");

const full = loadIdxDataset(fullDir, { classes: 10, classNames: fashionMnistClassNames });
const train = subsample(full.train, trainCount, seed);
const test = subsample(full.test, testCount, seed + 1);

// gzip level 9 keeps the repository small; zlib writes no timestamp, so output is reproducible.
const write = (name, bytes) => {
  const path = join(outDir, `${name}.gz`);
  writeFileSync(path, gzipSync(bytes, { level: 9 }));
  console.error(`wrote ${path}`);
};
mkdirSync(outDir, { recursive: true });
write("train-images-idx3-ubyte", encodeIdxImages(train));
write("train-labels-idx1-ubyte", encodeIdxLabels(train.labels));
write("t10k-images-idx3-ubyte", encodeIdxImages(test));
write("t10k-labels-idx1-ubyte", encodeIdxLabels(test.labels));

const perClass = (set) => Array.from({ length: 10 }, (_, k) => set.labels.filter((l) => l === k).length);
console.error(`train: ${train.count} images, per class ${perClass(train).join(" ")}`);
console.error(`test: ${test.count} images, per class ${perClass(test).join(" ")}`);
