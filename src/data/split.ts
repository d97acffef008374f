import { BamsprodError, show } from "../util/errors.js";
import { Rng } from "../util/random.js";
import { deriveSeed } from "./seeds.js";
import { range, selectImages } from "./select.js";
import type { ImageSet } from "./types.js";

// Purpose tags keep the split's and the subsample's random streams apart from batching's.
const SPLIT_TAG = 0x5eed0001;
const SUBSAMPLE_TAG = 0x5eed0002;

/**
 * Holds out `valCount` images of `set`, chosen by a seeded permutation, as a validation set; the
 * rest is the training set. Both keep the original relative order. Same seed, same split.
 */
export function splitValidation(set: ImageSet, valCount: number, seed: number): { train: ImageSet; val: ImageSet } {
  if (!Number.isInteger(valCount) || valCount < 0 || valCount >= set.count) {
    throw new BamsprodError(
      `validation size ${show(valCount)} is invalid for a training set of ${set.count} images: ` +
        `use an integer from 0 to ${set.count - 1}`,
    );
  }
  const order = new Rng(deriveSeed(seed, SPLIT_TAG)).shuffle(range(set.count));
  const val = order.slice(0, valCount).sort();
  const train = order.slice(valCount).sort();
  return { train: selectImages(set, train), val: selectImages(set, val) };
}

/**
 * A seeded subset of `count` images for quick runs, as close to class-balanced as the set allows:
 * classes take turns giving one random image each until `count` is reached (a class that runs
 * out drops from the rotation). The subset keeps the original relative order.
 */
export function subsample(set: ImageSet, count: number, seed: number): ImageSet {
  if (!Number.isInteger(count) || count < 1 || count > set.count) {
    throw new BamsprodError(
      `subsample size ${show(count)} is invalid for a set of ${set.count} images: use an integer from 1 to ${set.count}`,
    );
  }
  const rng = new Rng(deriveSeed(seed, SUBSAMPLE_TAG));
  const byClass: number[][] = Array.from({ length: set.classes }, () => []);
  for (let i = 0; i < set.count; i++) byClass[set.labels[i]].push(i);
  for (const group of byClass) rng.shuffle(group);
  const chosen = new Uint32Array(count);
  let taken = 0;
  for (let round = 0; taken < count; round++) {
    for (const group of byClass) {
      if (round < group.length && taken < count) chosen[taken++] = group[round];
    }
  }
  return selectImages(set, chosen.sort());
}
