import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import {
  defaultFashionMnistDir,
  embeddedSubsetDir,
  fashionMnistClassNames,
  loadFashionMnist,
  loadIdxDataset,
  type ImageSet,
} from "../../src/data/index.js";
import { syntheticSet, tempDir, writeIdxDataset } from "./fixtures.js";

function classCounts(set: ImageSet): number[] {
  const counts = new Array<number>(set.classes).fill(0);
  for (const label of set.labels) counts[label]++;
  return counts;
}

const fullPresent = existsSync(join(defaultFashionMnistDir, "train-images-idx3-ubyte.gz"));

test("loads the real Fashion-MNIST from /usr/share/datasets by default", (t) => {
  if (!fullPresent) {
    t.skip(`${defaultFashionMnistDir} is absent (sudo apt-get install dataset-fashion-mnist)`);
    return;
  }
  const data = loadFashionMnist();
  assert.equal(data.embedded, false);
  assert.match(data.source, /full dataset at \/usr\/share\/datasets\/fashion-mnist/);
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);
  assert.deepEqual(data.train.shape, [1, 28, 28]);
  assert.equal(data.train.images.length, 60000 * 784);
  assert.equal(data.test.images.length, 10000 * 784);
  // Fashion-MNIST is exactly balanced: 6000 training and 1000 test images per class.
  assert.deepEqual(classCounts(data.train), new Array(10).fill(6000));
  assert.deepEqual(classCounts(data.test), new Array(10).fill(1000));
  assert.deepEqual(data.train.classNames, [...fashionMnistClassNames]);
  // Real photos: pixels span the full byte range and are mostly background.
  let zeros = 0;
  let max = 0;
  for (const v of data.test.images) {
    if (v === 0) zeros++;
    if (v > max) max = v;
  }
  assert.equal(max, 255);
  assert.ok(zeros / data.test.images.length > 0.3 && zeros / data.test.images.length < 0.7);
});

test("the embedded subset loads: 5000/1000 class-balanced 28x28 images", () => {
  const dir = embeddedSubsetDir();
  assert.ok(existsSync(join(dir, "LICENSE")));
  const data = loadIdxDataset(dir);
  assert.equal(data.train.count, 5000);
  assert.equal(data.test.count, 1000);
  assert.deepEqual(data.train.shape, [1, 28, 28]);
  assert.deepEqual(classCounts(data.train), new Array(10).fill(500));
  assert.deepEqual(classCounts(data.test), new Array(10).fill(100));
});

test("falls back to the embedded subset when the default directory is absent, and says so", () => {
  const data = loadFashionMnist({ defaultDir: join(tempDir(), "no-such-dir") });
  assert.equal(data.embedded, true);
  assert.match(data.source, /EMBEDDED Fashion-MNIST SUBSET/);
  assert.match(data.source, /5000 train \/ 1000 test/);
  assert.match(data.source, /apt-get install dataset-fashion-mnist/);
  assert.equal(data.train.count, 5000);
});

test("an explicit data directory is used, never the fallback", () => {
  const dir = tempDir();
  writeIdxDataset(dir, syntheticSet(12, [1, 28, 28]), syntheticSet(4, [1, 28, 28]), true);
  const data = loadFashionMnist({ dataDir: dir });
  assert.equal(data.embedded, false);
  assert.equal(data.train.count, 12);
  assert.match(data.source, new RegExp(`full dataset at ${dir}`));
});

test("a data directory missing a file: names it and says how to get the dataset", () => {
  const dir = tempDir();
  assert.throws(
    () => loadFashionMnist({ dataDir: dir }),
    (err: unknown) =>
      err instanceof BamsprodError &&
      /missing train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\)/.test(err.message) &&
      /sudo apt-get install dataset-fashion-mnist/.test(err.message) &&
      /--data DIR/.test(err.message),
  );
  assert.throws(() => loadFashionMnist({ dataDir: join(dir, "absent") }), /does not exist.*apt-get install/);
});

test("a partial default install is an error, not a silent fallback", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "partial"));
  const set = syntheticSet(2, [1, 28, 28]);
  writeIdxDataset(join(dir, "partial"), set, set);
  rmSync(join(dir, "partial", "t10k-images-idx3-ubyte"));
  assert.throws(() => loadFashionMnist({ defaultDir: join(dir, "partial") }), /missing t10k-images-idx3-ubyte/);
});
