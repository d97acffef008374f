import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError } from "../util/errors.js";
import { readIdxImageSet } from "./idx.js";
import type { TrainTestSets } from "./types.js";

/** The four files of an MNIST-style dataset, by their canonical (uncompressed) names. */
export const idxFileNames = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** Options of loadIdxDataset. */
export interface IdxDatasetOptions {
  /** Number of classes; labels must be below it. Default 10 (MNIST, Fashion-MNIST). */
  classes?: number;
  classNames?: readonly string[];
  /** What to do when a file is missing, appended to the error message. */
  missingHint?: string;
}

/**
 * Names a file may have on disk: plain or gzipped, and the "train-images.idx3-ubyte" spelling
 * that some MNIST mirrors use.
 */
function candidateNames(name: string): string[] {
  const dotted = name.replace(/-(idx[13]-ubyte)$/, ".$1");
  return [name, `${name}.gz`, dotted, `${dotted}.gz`];
}

/** The path of the first existing candidate for `name` in `dir`, or null. */
export function findIdxFile(dir: string, name: string): string | null {
  for (const candidate of candidateNames(name)) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  return null;
}

function requireFile(dir: string, name: string, hint: string): string {
  const path = findIdxFile(dir, name);
  if (path === null) throw new BamsprodError(`missing ${name} (or ${name}.gz) in ${dir}: ${hint}`);
  return path;
}

/**
 * Loads an MNIST-style directory of IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each gzipped or not).
 * Throws BamsprodError naming the missing or malformed file.
 */
export function loadIdxDataset(dir: string, options: IdxDatasetOptions = {}): TrainTestSets {
  const classes = options.classes ?? 10;
  const hint = options.missingHint ?? "pass a directory holding the four MNIST-style IDX files";
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BamsprodError(`data directory ${dir} does not exist or is not a directory: ${hint}`);
  }
  const paths = {
    trainImages: requireFile(dir, idxFileNames.trainImages, hint),
    trainLabels: requireFile(dir, idxFileNames.trainLabels, hint),
    testImages: requireFile(dir, idxFileNames.testImages, hint),
    testLabels: requireFile(dir, idxFileNames.testLabels, hint),
  };
  return {
    train: readIdxImageSet(paths.trainImages, paths.trainLabels, classes, options.classNames),
    test: readIdxImageSet(paths.testImages, paths.testLabels, classes, options.classNames),
  };
}
