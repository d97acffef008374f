// Generated datasets for the data tests: small IDX and CIFAR-10 files in temporary directories.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { gzipSync } from "node:zlib";
import { encodeIdxImages, encodeIdxLabels, type ImageSet } from "../../src/data/index.js";

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-data-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A synthetic set whose image i is identifiable: pixel 0 holds i % 256, pixel 1 holds
 * floor(i / 256), the other pixels (i * 7 + p) % 256; label i % classes.
 */
export function syntheticSet(count: number, shape: [number, number, number], classes = 10): ImageSet {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size; p++) images[i * size + p] = (i * 7 + p) % 256;
    images[i * size] = i % 256;
    images[i * size + 1] = Math.floor(i / 256);
    labels[i] = i % classes;
  }
  return { images, labels, count, shape, classes };
}

/** The index i that syntheticSet encoded in an image starting at `offset`. */
export function imageId(pixels: ArrayLike<number>, offset: number): number {
  return pixels[offset] + 256 * pixels[offset + 1];
}

/** Writes bytes to dir/name, gzipped (with ".gz" appended) if asked; returns the path. */
export function writeBytes(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const path = join(dir, gzip ? `${name}.gz` : name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** Writes an MNIST-style directory (four IDX files) for the two sets. */
export function writeIdxDataset(dir: string, train: ImageSet, test: ImageSet, gzip = false): void {
  writeBytes(dir, "train-images-idx3-ubyte", encodeIdxImages(train), gzip);
  writeBytes(dir, "train-labels-idx1-ubyte", encodeIdxLabels(train.labels), gzip);
  writeBytes(dir, "t10k-images-idx3-ubyte", encodeIdxImages(test), gzip);
  writeBytes(dir, "t10k-labels-idx1-ubyte", encodeIdxLabels(test.labels), gzip);
}

/** CIFAR-10 binary records (label byte + 3072 CHW pixel bytes) for a [3,32,32] set. */
export function cifarRecords(set: ImageSet): Uint8Array {
  const out = new Uint8Array(set.count * 3073);
  for (let i = 0; i < set.count; i++) {
    out[i * 3073] = set.labels[i];
    out.set(set.images.subarray(i * 3072, (i + 1) * 3072), i * 3073 + 1);
  }
  return out;
}
