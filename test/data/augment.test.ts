import assert from "node:assert/strict";
import { test } from "node:test";
import { batches, type ImageSet } from "../../src/data/index.js";
import { augmentImage } from "../../src/data/augment.js";
import { Rng } from "../../src/util/random.js";

/** A 2-channel 3x4 image with distinct values: channel c, row y, column x holds 100c + 10y + x + 1. */
const shape: [number, number, number] = [2, 3, 4];
const image = Uint8Array.from({ length: 24 }, (_, i) => {
  const c = Math.floor(i / 12);
  const y = Math.floor((i % 12) / 4);
  const x = i % 4;
  return 100 * c + 10 * y + x + 1;
});

/** Reference: pixel of the padded, cropped, optionally mirrored image, from the definition. */
function expected(dy: number, dx: number, mirror: boolean): number[] {
  const out: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const sy = y + dy;
        const sx = (mirror ? 3 - x : x) + dx;
        out.push(sy >= 0 && sy < 3 && sx >= 0 && sx < 4 ? 100 * c + 10 * sy + sx + 1 : 0);
      }
    }
  }
  return out;
}

test("padding 0 without flip is the identity", () => {
  const dst = new Float32Array(24);
  augmentImage(image, 0, shape, dst, 0, 0, false, new Rng(1));
  assert.deepEqual([...dst], [...image]);
});

test("crop + flip match the definition for the offsets the generator draws", () => {
  const seenShift = new Set<string>();
  let mirrored = 0;
  for (let seed = 0; seed < 200; seed++) {
    // Replay the generator's three draws to learn the offsets it will use.
    const probe = new Rng(seed);
    const dy = probe.int(5) - 2;
    const dx = probe.int(5) - 2;
    const mirror = probe.uniform() < 0.5;
    const dst = new Float32Array(30).fill(-1);
    augmentImage(image, 0, shape, dst, 3, 2, true, new Rng(seed));
    assert.deepEqual([...dst.subarray(3, 27)], expected(dy, dx, mirror));
    assert.deepEqual([...dst.subarray(0, 3), ...dst.subarray(27)], [-1, -1, -1, -1, -1, -1], "writes in bounds");
    seenShift.add(`${dy},${dx}`);
    if (mirror) mirrored++;
  }
  assert.equal(seenShift.size, 25, "every crop offset in [-2, 2]^2 occurs");
  assert.ok(mirrored > 70 && mirrored < 130, `mirrored ${mirrored} of 200`);
});

test("augmented batches are deterministic in (seed, epoch) and keep the pixel multiset per channel row", () => {
  const set: ImageSet = { images: new Uint8Array([...image, ...image]), labels: Uint8Array.of(1, 2), count: 2, shape, classes: 3 };
  const run = (epoch: number) =>
    [...batches(set, 2, { shuffle: true, seed: 4, epoch, augment: true })].map((b) => [...b.x]);
  assert.deepEqual(run(0), run(0));
  const flipOnly = [...batches(set, 2, { shuffle: false, seed: 4, epoch: 0, augment: { padding: 0 } })][0];
  for (let i = 0; i < 2; i++) {
    const rows = (a: ArrayLike<number>, at: number) =>
      Array.from({ length: 6 }, (_, r) => Array.from({ length: 4 }, (_, x) => a[at + r * 4 + x]).sort().join());
    assert.deepEqual(rows(flipOnly.x, i * 24), rows(image, 0), "flip permutes within rows");
  }
  assert.equal(flipOnly.y[0], 1);
});
