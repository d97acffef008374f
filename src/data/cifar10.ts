import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError } from "../util/errors.js";
import { readMaybeGzip } from "./gzip.js";
import { checkLabels } from "./idx.js";
import { cifar10ClassNames, type ImageSet, type TrainTestSets } from "./types.js";

/** Bytes of one CIFAR-10 image: 3 channels x 32 x 32, stored channel-major (CHW). */
export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;
/** Bytes of one record in the CIFAR-10 binary format: 1 label byte, then the image. */
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;

export const cifar10TrainFiles = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const cifar10TestFile = "test_batch.bin";

const howToGet =
  "download the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, " +
  "extract it and pass the cifar-10-batches-bin directory";

/**
 * Parses one CIFAR-10 binary batch: a sequence of records of 1 label byte followed by
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each row-major 32x32).
 * `path` only names the file in error messages.
 */
export function parseCifarBatch(bytes: Uint8Array, path: string): { images: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new BamsprodError(
      `${path} has ${bytes.length} bytes, not a whole number of ${CIFAR_RECORD_BYTES}-byte records ` +
        `(1 label byte + ${CIFAR_IMAGE_BYTES} pixel bytes; a full batch has ${10000 * CIFAR_RECORD_BYTES} bytes): ` +
        `truncated or not a CIFAR-10 binary batch`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const record = i * CIFAR_RECORD_BYTES;
    labels[i] = bytes[record];
    images.set(bytes.subarray(record + 1, record + CIFAR_RECORD_BYTES), i * CIFAR_IMAGE_BYTES);
  }
  checkLabels(labels, 10, path);
  return { images, labels };
}

function concatSets(parts: { images: Uint8Array; labels: Uint8Array }[]): ImageSet {
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * CIFAR_IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { images, labels, count, shape: [3, 32, 32], classes: 10, classNames: [...cifar10ClassNames] };
}

/** `dir` itself, or its cifar-10-batches-bin subdirectory (what the archive extracts to). */
function resolveCifarDir(dir: string): string {
  const nested = join(dir, "cifar-10-batches-bin");
  if (!existsSync(join(dir, cifar10TestFile)) && existsSync(nested)) return nested;
  return dir;
}

/**
 * Loads CIFAR-10 from its binary format: data_batch_1.bin .. data_batch_5.bin (training, 50,000
 * images) and test_batch.bin (10,000), in `dir` or in `dir`/cifar-10-batches-bin. Files may be
 * gzipped. Throws BamsprodError for a missing file, a size that is not whole records, or a label
 * above 9.
 */
export function loadCifar10(dir: string): TrainTestSets {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BamsprodError(`CIFAR-10 directory ${dir} does not exist or is not a directory: ${howToGet}`);
  }
  const root = resolveCifarDir(dir);
  const read = (name: string) => {
    const path = join(root, name);
    if (!existsSync(path)) throw new BamsprodError(`missing CIFAR-10 file ${name} in ${root}: ${howToGet}`);
    return parseCifarBatch(readMaybeGzip(path), path);
  };
  const trainParts = cifar10TrainFiles.map(read);
  const test = read(cifar10TestFile);
  return { train: concatSets(trainParts), test: concatSets([test]) };
}
