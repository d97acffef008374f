import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { BamsprodError } from "../../src/util/errors.js";
import {
  encodeIdxImages,
  encodeIdxLabels,
  loadIdxDataset,
  parseIdx,
  readIdxImageSet,
  readIdxImages,
  readIdxLabels,
} from "../../src/data/index.js";
import { syntheticSet, tempDir, writeBytes, writeIdxDataset } from "./fixtures.js";

/** An IDX images file written by hand, independently of encodeIdxImages: 2 images of 3x2. */
function handMadeImagesFile(): Uint8Array {
  // prettier-ignore
  return Uint8Array.from([
    0, 0, 8, 3, // magic 0x00000803
    0, 0, 0, 2, // 2 images
    0, 0, 0, 3, // 3 rows
    0, 0, 0, 2, // 2 columns
    1, 2, 3, 4, 5, 6, // image 0
    250, 251, 252, 253, 254, 255, // image 1
  ]);
}

test("parses a hand-made IDX images header, plain and gzipped, detected by content", () => {
  const dir = tempDir();
  for (const gzip of [false, true]) {
    // A misleading name: detection must use the gzip magic bytes, not the extension.
    const bytes = gzip ? gzipSync(handMadeImagesFile()) : handMadeImagesFile();
    const path = writeBytes(dir, gzip ? "images-compressed" : "images.gz", bytes);
    const images = readIdxImages(path);
    assert.equal(images.count, 2);
    assert.equal(images.rows, 3);
    assert.equal(images.cols, 2);
    assert.deepEqual([...images.pixels], [1, 2, 3, 4, 5, 6, 250, 251, 252, 253, 254, 255]);
  }
});

test("dimensions are big-endian 32-bit", () => {
  const bytes = new Uint8Array(8 + 258);
  bytes.set([0, 0, 8, 1, 0, 0, 1, 2]); // 0x00000102 = 258 labels
  assert.deepEqual(parseIdx(bytes, 0x00000801, "x").dims, [258]);
});

test("a generated ImageSet round-trips through IDX files, plain and gzipped", () => {
  for (const gzip of [false, true]) {
    const dir = tempDir();
    const train = syntheticSet(37, [1, 5, 4]);
    const test = syntheticSet(11, [1, 5, 4]);
    writeIdxDataset(dir, train, test, gzip);
    const loaded = loadIdxDataset(dir, { classes: 10 });
    assert.deepEqual(loaded.train.shape, [1, 5, 4]);
    assert.equal(loaded.train.count, 37);
    assert.equal(loaded.test.count, 11);
    assert.deepEqual([...loaded.train.images], [...train.images]);
    assert.deepEqual([...loaded.train.labels], [...train.labels]);
    assert.deepEqual([...loaded.test.images], [...test.images]);
    assert.equal(loaded.train.classes, 10);
  }
});

test("accepts the dotted MNIST file names (train-images.idx3-ubyte)", () => {
  const dir = tempDir();
  const set = syntheticSet(3, [1, 2, 2]);
  writeBytes(dir, "train-images.idx3-ubyte", encodeIdxImages(set));
  writeBytes(dir, "train-labels.idx1-ubyte", encodeIdxLabels(set.labels), true);
  writeBytes(dir, "t10k-images.idx3-ubyte", encodeIdxImages(set));
  writeBytes(dir, "t10k-labels.idx1-ubyte", encodeIdxLabels(set.labels));
  assert.equal(loadIdxDataset(dir).train.count, 3);
});

function assertBamsprodError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BamsprodError, `expected BamsprodError, got ${String(err)}`);
    for (const p of patterns) assert.match(err.message, p);
    assert.ok(!err.message.includes("\n"), "message must be one line");
    return true;
  });
}

test("wrong magic number: says found and expected, and hints at swapped files", () => {
  const dir = tempDir();
  const bad = handMadeImagesFile();
  bad[2] = 0x09; // data type 0x09 (signed byte) is not what we read
  const path = writeBytes(dir, "bad", bad);
  assertBamsprodError(() => readIdxImages(path), /0x00000903/, /expected 0x00000803/, new RegExp(path));
  const labels = writeBytes(dir, "labels", encodeIdxLabels(Uint8Array.of(1, 2)));
  assertBamsprodError(() => readIdxImages(labels), /0x00000801/, /swapped/);
  const text = writeBytes(dir, "text", new TextEncoder().encode("hello world, not idx"));
  assertBamsprodError(() => readIdxLabels(text), /magic number 0x68656c6c/, /not an IDX labels file/);
});

test("truncated data: says expected and actual byte counts and the path", () => {
  const dir = tempDir();
  const full = handMadeImagesFile();
  const path = writeBytes(dir, "short.gz", full.subarray(0, full.length - 5), true);
  assertBamsprodError(() => readIdxImages(path), /truncated/, /expected 28 bytes/, /got 23/, new RegExp(path));
});

test("truncated header and too-long file are errors", () => {
  const dir = tempDir();
  const header = writeBytes(dir, "header", handMadeImagesFile().subarray(0, 10));
  assertBamsprodError(() => readIdxImages(header), /truncated/, /16-byte header/, /has 10 bytes/);
  const tiny = writeBytes(dir, "tiny", Uint8Array.of(0, 0));
  assertBamsprodError(() => readIdxImages(tiny), /truncated/, /2 bytes/);
  const long = writeBytes(dir, "long", Uint8Array.from([...handMadeImagesFile(), 9]));
  assertBamsprodError(() => readIdxImages(long), /longer than its header says/, /expected 28 bytes/, /got 29/);
});

test("a truncated gzip stream is a clear error naming the file", () => {
  const dir = tempDir();
  const gz = gzipSync(encodeIdxImages(syntheticSet(20, [1, 8, 8])));
  const path = writeBytes(dir, "cut.gz", gz.subarray(0, gz.length - 20));
  assertBamsprodError(() => readIdxImages(path), /truncated or corrupt gzip/, new RegExp(path));
});

test("mismatched image and label counts", () => {
  const dir = tempDir();
  const images = writeBytes(dir, "i", encodeIdxImages(syntheticSet(5, [1, 2, 2])));
  const labels = writeBytes(dir, "l", encodeIdxLabels(Uint8Array.of(0, 1, 2, 3)));
  assertBamsprodError(() => readIdxImageSet(images, labels, 10), /5 images/, /4 labels/);
});

test("labels out of range", () => {
  const dir = tempDir();
  const images = writeBytes(dir, "i", encodeIdxImages(syntheticSet(3, [1, 2, 2])));
  const labels = writeBytes(dir, "l", encodeIdxLabels(Uint8Array.of(0, 10, 2)));
  assertBamsprodError(() => readIdxImageSet(images, labels, 10), /label 10 at index 1/, /0\.\.9/);
});

test("missing directory and missing file name the file and the hint", () => {
  const dir = tempDir();
  assertBamsprodError(() => loadIdxDataset(join(dir, "nope"), { missingHint: "HINT" }), /does not exist/, /HINT/);
  const set = syntheticSet(3, [1, 2, 2]);
  mkdirSync(join(dir, "partial"));
  writeIdxDataset(join(dir, "partial"), set, set, true);
  const partial = join(dir, "partial");
  rmSync(join(partial, "t10k-labels-idx1-ubyte.gz"));
  assertBamsprodError(() => loadIdxDataset(partial, { missingHint: "HINT" }), /missing t10k-labels-idx1-ubyte/, /HINT/);
});
