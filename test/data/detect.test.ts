import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeData, loadData, type ImageSet } from "../../src/data/index.js";
import { cifarRecords, tempDir, writeBytes, writeIdxDataset } from "./fixtures.js";
import { bandSet, csvText, pngBytes, rgbaOf, writeImageSplit } from "./imageFixtures.js";

const same = (a: ImageSet, b: ImageSet): void => {
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  assert.deepEqual(Buffer.from(a.images), Buffer.from(b.images));
};
const fails = (spec: string, message: RegExp, options = {}): void => {
  assert.throws(() => loadData(spec, options), (e: Error) => {
    assert.equal(e.name, "BamsprodError");
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
    return true;
  });
};

for (const gzip of [false, true]) {
  test(`IDX directory (${gzip ? "gzipped" : "plain"}): any image shape and class count, names from classes.txt`, () => {
    const dir = tempDir();
    const train = bandSet(40, [1, 5, 7], 4, 1);
    const test = bandSet(12, [1, 5, 7], 4, 2);
    writeIdxDataset(dir, train, test, gzip);
    const plain = loadData(dir);
    assert.equal(plain.format, "idx");
    assert.equal(plain.train!.classes, 4);
    assert.deepEqual(plain.train!.classNames, ["0", "1", "2", "3"]);
    same(plain.train!, train);
    same(plain.test, test);
    writeFileSync(join(dir, "classes.txt"), "a\nb\nc\nd\n");
    const named = loadData(dir);
    assert.deepEqual(named.test.classNames, ["a", "b", "c", "d"]);
    assert.equal(
      describeData(named),
      `data: idx at ${dir}: train 40, test 12 images; 4 classes (a, b, c, d); images 1x5x7 (CxHxW)`,
    );
    writeFileSync(join(dir, "classes.txt"), "a\nb\n");
    fails(dir, /labels go up to 3 but only 2 class names are given/);
  });
}

test("IDX for predict: only the test files are needed", () => {
  const dir = tempDir();
  const test = bandSet(9, [1, 4, 4], 3, 1);
  writeIdxDataset(dir, bandSet(3, [1, 4, 4], 3, 2), test);
  const onlyTest = tempDir();
  for (const f of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
    writeFileSync(join(onlyTest, f), readFileSync(join(dir, f)));
  }
  const loaded = loadData(onlyTest, { splits: "test" });
  assert.equal(loaded.train, null);
  same(loaded.test, test);
  fails(onlyTest, /missing train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\) in /);
});

test("CIFAR-10 binary directory (nested cifar-10-batches-bin), class names from batches.meta.txt", () => {
  const dir = tempDir();
  const root = join(dir, "cifar-10-batches-bin");
  mkdirSync(root);
  const parts = [1, 2, 3, 4, 5].map((k) => bandSet(4, [3, 32, 32], 10, k));
  parts.forEach((p, k) => writeBytes(root, `data_batch_${k + 1}.bin`, cifarRecords(p)));
  const test = bandSet(5, [3, 32, 32], 10, 9);
  writeBytes(root, "test_batch.bin", cifarRecords(test));
  writeFileSync(join(root, "batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
  const loaded = loadData(dir);
  assert.equal(loaded.format, "cifar10");
  assert.equal(loaded.train!.count, 20);
  assert.deepEqual(loaded.train!.shape, [3, 32, 32]);
  assert.equal(loaded.test.classNames![1], "car");
  same(loaded.test, test);
  same(loadData(dir, { splits: "test" }).test, test);
});

test("image folders: PNG gray -> 1 channel, JPEG color -> 3, classes from sorted folder names", () => {
  const dir = tempDir();
  const names = ["bee", "ant", "cat"].sort();
  const train = bandSet(9, [1, 6, 8], 3, 1);
  const test = bandSet(6, [1, 6, 8], 3, 2);
  writeImageSplit(dir, "train", train, names);
  writeImageSplit(dir, "test", test, names);
  writeFileSync(join(dir, "train", "ant", "notes.txt"), "not an image");
  const loaded = loadData(dir);
  assert.equal(loaded.format, "image-folder");
  assert.deepEqual(loaded.train!.classNames, ["ant", "bee", "cat"]);
  assert.equal(loaded.skipped, 1);
  // Files are read class by class: the labels are sorted, the pixels exact (PNG is lossless).
  const order = Array.from({ length: 9 }, (_, i) => i).sort((a, b) => train.labels[a] - train.labels[b]);
  const size = 48;
  order.forEach((src, i) => {
    assert.equal(loaded.train!.labels[i], train.labels[src]);
    assert.deepEqual(
      Buffer.from(loaded.train!.images.subarray(i * size, (i + 1) * size)),
      Buffer.from(train.images.subarray(src * size, (src + 1) * size)),
    );
  });
  assert.match(describeData(loaded), /train 9, test 6 images; 3 classes \(ant, bee, cat\); images 1x6x8 \(CxHxW\); 1 non-image files skipped/);

  const rgb = tempDir();
  writeImageSplit(rgb, "train", bandSet(6, [3, 8, 8], 2, 1), ["x", "y"], "jpg");
  writeImageSplit(rgb, "test", bandSet(4, [3, 8, 8], 2, 2), ["x", "y"], "jpg");
  const color = loadData(rgb);
  assert.deepEqual(color.train!.shape, [3, 8, 8]);
});

test("image folders: mixed sizes, an empty class, an unknown test class and a broken file are errors naming the file", () => {
  const dir = tempDir();
  writeImageSplit(dir, "train", bandSet(4, [1, 6, 6], 2, 1), ["a", "b"]);
  writeImageSplit(dir, "test", bandSet(2, [1, 6, 6], 2, 2), ["a", "b"]);
  const odd = bandSet(1, [1, 5, 6], 1, 3);
  writeFileSync(join(dir, "train", "b", "odd.png"), pngBytes(rgbaOf(odd, 0), 6, 5));
  fails(dir, /train\/b\/odd\.png is 6x5 but .*train\/a\/0001\.png is 6x6: all images must have one size \(bamsprod does not resize\)/);
  writeFileSync(join(dir, "train", "b", "odd.png"), "not a png");
  fails(dir, /cannot decode image .*train\/b\/odd\.png: neither a PNG nor a JPEG/);
  writeFileSync(join(dir, "train", "b", "odd.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  fails(dir, /cannot decode image .*train\/b\/odd\.png:/);
  const empty = tempDir();
  writeImageSplit(empty, "train", bandSet(2, [1, 4, 4], 2, 1), ["a", "b"]);
  mkdirSync(join(empty, "train", "c"));
  fails(empty, /class folder .*train\/c has no images/);
  const extra = tempDir();
  writeImageSplit(extra, "train", bandSet(2, [1, 4, 4], 2, 1), ["a", "b"]);
  writeImageSplit(extra, "test", bandSet(2, [1, 4, 4], 2, 1), ["a", "z"]);
  fails(extra, /test\/z: class "z" is not one of the classes "a", "b"/);
  const noTest = tempDir();
  writeImageSplit(noTest, "train", bandSet(2, [1, 4, 4], 2, 1), ["a", "b"]);
  fails(noTest, /image folder .* has no test\/ folder/);
});

test("CSV in the Kaggle layout: a directory, a pair of files, --image-shape, and bad rows named by line", () => {
  const dir = tempDir();
  const train = bandSet(10, [3, 2, 2], 3, 1);
  const test = bandSet(4, [3, 2, 2], 3, 2);
  writeFileSync(join(dir, "my_train.csv"), csvText(train));
  writeFileSync(join(dir, "my_test.csv"), csvText(test));
  fails(dir, /rows have 12 pixels, not a square image; pass --image-shape C,H,W/);
  const loaded = loadData(dir, { imageShape: [3, 2, 2] });
  assert.equal(loaded.format, "csv");
  same(loaded.train!, train);
  same(loaded.test, test);
  const pair = loadData(`${join(dir, "my_train.csv")},${join(dir, "my_test.csv")}`, { imageShape: [3, 2, 2] });
  same(pair.test, test);

  const bad = join(dir, "bad_train.csv");
  const lines = csvText(train).split("\n");
  writeFileSync(bad, [...lines.slice(0, 4), lines[4].replace(/,\d+$/, ""), ...lines.slice(5)].join("\n"));
  writeFileSync(join(dir, "bad_test.csv"), csvText(test));
  fails(bad, /bad_train\.csv line 5: 12 values, the header has 13/, { imageShape: [3, 2, 2] });
  writeFileSync(bad, [...lines.slice(0, 3), lines[3].replace(/^(\d+),\d+/, "$1,300"), ...lines.slice(4)].join("\n"));
  fails(bad, /bad_train\.csv line 4, column 2: pixel "300" is not an integer 0\.\.255/, { imageShape: [3, 2, 2] });
  writeFileSync(bad, lines.slice(1).join("\n"));
  fails(bad, /bad_train\.csv line 1: expected a header starting with "label"/, { imageShape: [3, 2, 2] });
});

test("--data problems: a missing path, an unrecognized directory", () => {
  fails("/no/such/place", /--data "\/no\/such\/place": no such file or directory/);
  fails(tempDir(), /no dataset recognized in this directory; expected IDX files/);
});
