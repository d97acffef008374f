/**
 * A short, stable identity of a dataset's contents: resume, checkpoints and queued sweep jobs
 * compare fingerprints to refuse training on data other than the run started with.
 */
import { createHash } from "node:crypto";
import type { ImageSet, TrainTestSets } from "./types.js";

/** What a fingerprint records: enough to say *what* differs, not only *that* it differs. */
export interface DataFingerprint {
  /** Image shape [C, H, W]. */
  shape: [number, number, number];
  classes: number;
  trainCount: number;
  testCount: number;
  /** Images held out for validation, when the data had a validation set (fit's fingerprints). */
  validationCount?: number;
  /** SHA-256 (hex, first 16 bytes) of the shape, labels and pixels of both splits. */
  hash: string;
}

function hashSet(hash: ReturnType<typeof createHash>, set: ImageSet): void {
  hash.update(`${set.count}:${set.shape.join("x")}:${set.classes};`);
  hash.update(set.labels.subarray(0, set.count));
  hash.update(set.images);
}

/** Fingerprints a dataset's fixed training and test sets (before any validation split). */
export function fingerprintData(sets: TrainTestSets): DataFingerprint {
  return fingerprintSplits(sets.train, null, sets.test);
}

/**
 * Fingerprints the sets a run trains on (fit's, after any validation split): the same as
 * {@link fingerprintData} when there is no validation set, else with the validation set's
 * count and contents too. A missing test set counts as an empty one.
 */
export function fingerprintSplits(
  train: ImageSet,
  validation: ImageSet | null,
  test: ImageSet | null,
): DataFingerprint {
  const hash = createHash("sha256");
  hashSet(hash, train);
  if (validation !== null) hashSet(hash, validation);
  hashSet(hash, test ?? { ...train, images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 });
  return {
    shape: [...train.shape],
    classes: train.classes,
    trainCount: train.count,
    testCount: test?.count ?? 0,
    ...(validation === null ? {} : { validationCount: validation.count }),
    hash: hash.digest("hex").slice(0, 32),
  };
}

/** Null when two fingerprints are of the same data, else one phrase naming what differs. */
export function fingerprintDifference(a: DataFingerprint, b: DataFingerprint): string | null {
  if (a.shape.join("x") !== b.shape.join("x")) return `image shape ${a.shape.join("x")} vs ${b.shape.join("x")}`;
  if (a.classes !== b.classes) return `${a.classes} vs ${b.classes} classes`;
  if (a.trainCount !== b.trainCount) return `${a.trainCount} vs ${b.trainCount} training images`;
  if (a.testCount !== b.testCount) return `${a.testCount} vs ${b.testCount} test images`;
  if (a.validationCount !== b.validationCount) {
    return `${a.validationCount ?? 0} vs ${b.validationCount ?? 0} validation images`;
  }
  if (a.hash !== b.hash) return `same sizes but different contents (hash ${a.hash} vs ${b.hash})`;
  return null;
}
