import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { BamsprodError } from "../../src/util/errors.js";
import { loadCifar10, parseCifarBatch } from "../../src/data/index.js";
import { cifarRecords, syntheticSet, tempDir, writeBytes } from "./fixtures.js";

/**
 * Writes five training batches of `perBatch` images and a test batch of 3 under the canonical
 * names (gzipped content if asked: the loader detects it from the bytes); returns the sets.
 */
function writeCifarDir(dir: string, perBatch: number, gzip = false) {
  const write = (name: string, bytes: Uint8Array) => writeBytes(dir, name, gzip ? gzipSync(bytes) : bytes);
  const train = syntheticSet(5 * perBatch, [3, 32, 32]);
  for (let b = 0; b < 5; b++) {
    const part = {
      ...train,
      images: train.images.subarray(b * perBatch * 3072, (b + 1) * perBatch * 3072),
      labels: train.labels.subarray(b * perBatch, (b + 1) * perBatch),
      count: perBatch,
    };
    write(`data_batch_${b + 1}.bin`, cifarRecords(part));
  }
  const testSet = syntheticSet(3, [3, 32, 32]);
  write("test_batch.bin", cifarRecords(testSet));
  return { train, test: testSet };
}

test("parses hand-made records: label byte then 3072 CHW pixels", () => {
  const bytes = new Uint8Array(2 * 3073);
  bytes[0] = 7;
  bytes[1] = 11; // image 0, red channel, row 0, col 0
  bytes[1 + 1024 + 33] = 22; // image 0, green, row 1, col 1
  bytes[3073] = 9;
  bytes[3073 + 3072] = 33; // image 1, blue, row 31, col 31 (the record's last byte)
  const { images, labels } = parseCifarBatch(bytes, "hand");
  assert.deepEqual([...labels], [7, 9]);
  assert.equal(images.length, 2 * 3072);
  assert.equal(images[0], 11);
  assert.equal(images[1024 + 32 + 1], 22);
  assert.equal(images[3072 + 2 * 1024 + 31 * 32 + 31], 33);
  assert.equal(images.reduce((a, b) => a + b, 0), 11 + 22 + 33);
});

test("loadCifar10 reads the six batch files in order (plain and gzipped)", () => {
  for (const gzip of [false, true]) {
    const dir = tempDir();
    const written = writeCifarDir(dir, 4, gzip);
    const data = loadCifar10(dir);
    assert.equal(data.train.count, 20);
    assert.equal(data.test.count, 3);
    assert.deepEqual(data.train.shape, [3, 32, 32]);
    assert.deepEqual([...data.train.images], [...written.train.images]);
    assert.deepEqual([...data.train.labels], [...written.train.labels]);
    assert.deepEqual([...data.test.images], [...written.test.images]);
    assert.equal(data.train.classNames?.[3], "cat");
  }
});

test("finds the batches in a cifar-10-batches-bin subdirectory", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "cifar-10-batches-bin"));
  writeCifarDir(join(dir, "cifar-10-batches-bin"), 1);
  assert.equal(loadCifar10(dir).train.count, 5);
});

test("errors: truncated batch, empty batch, missing file, bad label, missing directory", () => {
  const isOneLine = (re: RegExp) => (err: unknown) =>
    err instanceof BamsprodError && re.test(err.message) && !err.message.includes("\n");
  const dir = tempDir();
  writeCifarDir(dir, 2);
  const cut = cifarRecords(syntheticSet(2, [3, 32, 32])).subarray(0, 3073 + 100);
  const cutPath = writeBytes(dir, "data_batch_3.bin", cut);
  assert.throws(() => loadCifar10(dir), isOneLine(new RegExp(`${cutPath} has 3173 bytes, not a whole number of 3073`)));
  writeBytes(dir, "data_batch_3.bin", new Uint8Array(0));
  assert.throws(() => loadCifar10(dir), isOneLine(/has 0 bytes/));
  rmSync(join(dir, "data_batch_3.bin"));
  assert.throws(() => loadCifar10(dir), isOneLine(/missing CIFAR-10 file data_batch_3\.bin.*cifar-10-binary/));
  const bad = cifarRecords(syntheticSet(2, [3, 32, 32]));
  bad[3073] = 57; // CIFAR-100's fine labels go up to 99
  writeBytes(dir, "data_batch_3.bin", bad);
  assert.throws(() => loadCifar10(dir), isOneLine(/label 57 at index 1.*0\.\.9/));
  assert.throws(() => loadCifar10(join(dir, "nope")), isOneLine(/does not exist/));
});
