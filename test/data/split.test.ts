import assert from "node:assert/strict";
import { test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import { splitValidation, subsample, type ImageSet } from "../../src/data/index.js";
import { imageId, syntheticSet } from "./fixtures.js";

function ids(set: ImageSet): number[] {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  return Array.from({ length: set.count }, (_, i) => imageId(set.images, i * size));
}

const set = syntheticSet(1000, [1, 4, 4]);

test("splitValidation: sizes, disjoint, covers the set, images and labels stay paired", () => {
  const { train, val } = splitValidation(set, 150, 7);
  assert.equal(val.count, 150);
  assert.equal(train.count, 850);
  const trainIds = ids(train);
  const valIds = ids(val);
  const all = new Set([...trainIds, ...valIds]);
  assert.equal(all.size, 1000, "disjoint and complete");
  for (let i = 0; i < train.count; i++) assert.equal(train.labels[i], trainIds[i] % 10);
  for (let i = 0; i < val.count; i++) assert.equal(val.labels[i], valIds[i] % 10);
  assert.deepEqual(
    trainIds,
    [...trainIds].sort((a, b) => a - b),
    "original order kept",
  );
  // The images are full copies: every pixel matches the source image.
  const src = set.images.subarray(valIds[3] * 16, valIds[3] * 16 + 16);
  assert.deepEqual([...val.images.subarray(3 * 16, 4 * 16)], [...src]);
});

test("splitValidation is deterministic in the seed and differs across seeds", () => {
  const a = splitValidation(set, 100, 42);
  const b = splitValidation(set, 100, 42);
  const c = splitValidation(set, 100, 43);
  assert.deepEqual(ids(a.val), ids(b.val));
  assert.notDeepEqual(ids(a.val), ids(c.val));
  // A random selection, not a block: the held-out ids spread over the whole range.
  const v = ids(a.val);
  assert.ok(v[0] < 100 && v[v.length - 1] > 900);
});

test("splitValidation rejects sizes that leave no training data", () => {
  for (const bad of [1000, 1001, -1, 2.5, Number.NaN]) {
    assert.throws(
      () => splitValidation(set, bad, 1),
      (err: unknown) => err instanceof BamsprodError && /validation size/.test(err.message) && /0 to 999/.test(err.message),
    );
  }
  assert.equal(splitValidation(set, 0, 1).train.count, 1000);
});

test("subsample: class-balanced, deterministic, from the set", () => {
  const small = subsample(set, 95, 3);
  assert.equal(small.count, 95);
  const counts = new Array<number>(10).fill(0);
  for (const label of small.labels) counts[label]++;
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
  assert.deepEqual(ids(small), ids(subsample(set, 95, 3)));
  assert.notDeepEqual(ids(small), ids(subsample(set, 95, 4)));
  assert.equal(new Set(ids(small)).size, 95, "no duplicates");
  for (let i = 0; i < small.count; i++) assert.equal(small.labels[i], ids(small)[i] % 10);
});

test("subsample fills from other classes when one runs out", () => {
  // Class 0 has 2 images, class 1 has 8: asking for 6 takes both of class 0 and 4 of class 1.
  const labels = Uint8Array.from([0, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
  const skewed: ImageSet = { ...syntheticSet(10, [1, 2, 2], 2), labels };
  const small = subsample(skewed, 6, 0);
  assert.deepEqual([...small.labels].sort(), [0, 0, 1, 1, 1, 1]);
  assert.throws(() => subsample(skewed, 11, 0), BamsprodError);
  assert.throws(() => subsample(skewed, 0, 0), BamsprodError);
});
