import assert from "node:assert/strict";
import { test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import { batches, batchCount, type Batch, type ImageSet } from "../../src/data/index.js";
import { imageId, syntheticSet } from "./fixtures.js";

/** The ids of the images of every batch of an epoch, copied out of the reused buffers. */
function epochIds(set: ImageSet, batchSize: number, seed: number, epoch: number, shuffle = true): number[][] {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const out: number[][] = [];
  for (const b of batches(set, batchSize, { shuffle, seed, epoch })) {
    out.push(Array.from({ length: b.size }, (_, i) => imageId(b.x, i * size)));
  }
  return out;
}

const set = syntheticSet(1003, [1, 6, 5]);

test("an epoch visits every image exactly once; last partial batch is explicit", () => {
  const seen = new Array<number>(1003).fill(0);
  const all: Batch[] = [];
  for (const b of batches(set, 100, { shuffle: true, seed: 1, epoch: 0 })) {
    all.push({ ...b });
    for (let i = 0; i < b.size; i++) {
      const id = imageId(b.x, i * 30);
      seen[id]++;
      assert.equal(b.y[i], id % 10, "label travels with its image");
    }
  }
  assert.ok(seen.every((n) => n === 1));
  assert.equal(all.length, batchCount(1003, 100));
  assert.equal(all.length, 11);
  assert.deepEqual(
    all.map((b) => b.size),
    [...new Array(10).fill(100), 3],
  );
  const last = all[10];
  assert.equal(last.partial, true);
  assert.equal(last.index, 10);
  assert.equal(last.x.length, 3 * 30);
  assert.equal(last.y.length, 3);
  assert.deepEqual(last.shape, [3, 1, 6, 5]);
  assert.equal(all[0].partial, false);
  assert.equal(all[0].x.length, 100 * 30);
});

test("x holds the raw pixel values 0..255 as floats, unnormalized", () => {
  const first = batches(set, 4, { shuffle: false, seed: 0, epoch: 0 }).next();
  assert.ok(!first.done);
  const { x } = first.value;
  assert.ok(x instanceof Float32Array);
  assert.deepEqual([...x], [...set.images.subarray(0, 4 * 30)]);
});

test("the order is a pure function of (seed, epoch)", () => {
  const a = epochIds(set, 64, 5, 3);
  assert.deepEqual(epochIds(set, 64, 5, 3), a, "same seed and epoch, same order");
  assert.notDeepEqual(epochIds(set, 64, 5, 4), a, "another epoch, another order");
  assert.notDeepEqual(epochIds(set, 64, 6, 3), a, "another seed, another order");
  // Computing epoch 3 first or after other epochs makes no difference: no hidden state.
  epochIds(set, 64, 5, 0);
  assert.deepEqual(epochIds(set, 64, 5, 3), a);
  // (seed, epoch) pairs with the same sum or xor still differ.
  assert.notDeepEqual(epochIds(set, 64, 1, 0), epochIds(set, 64, 0, 1));
});

test("without shuffle the order is the stored order", () => {
  assert.deepEqual(
    epochIds(set, 500, 9, 2, false).flat(),
    Array.from({ length: 1003 }, (_, i) => i),
  );
});

test("buffers are reused between batches", () => {
  const it = batches(set, 10, { shuffle: true, seed: 2, epoch: 0 });
  const a = it.next();
  const b = it.next();
  assert.ok(!a.done && !b.done);
  assert.equal(a.value.x.buffer, b.value.x.buffer);
  assert.equal(a.value.y.buffer, b.value.y.buffer);
});

test("invalid arguments are BamsprodErrors, thrown at the call", () => {
  assert.throws(() => batches(set, 0, { shuffle: true, seed: 1, epoch: 0 }), BamsprodError);
  assert.throws(() => batches(set, 2.5, { shuffle: true, seed: 1, epoch: 0 }), /batch size 2.5/);
  assert.throws(() => batches(set, 8, { shuffle: true, seed: 1, epoch: -1 }), /epoch -1/);
  assert.throws(() => batches(set, 8, { shuffle: true, seed: Number.NaN, epoch: 0 }), /seed NaN/);
  assert.throws(() => batches(set, 8, { shuffle: true, seed: 1, epoch: 0, augment: { padding: -2 } }), /padding/);
});
