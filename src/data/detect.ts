/**
 * `--data SPEC`: what a path holds, detected from its contents, loaded with the number of
 * classes, the class names and the image shape taken from the data:
 *   - a directory of IDX files (train-images-idx3-ubyte, ... gzipped or not; any H x W, any
 *     number of classes; optional classes.txt with one class name per line);
 *   - a CIFAR-10 binary directory (data_batch_1.bin .. data_batch_5.bin, test_batch.bin,
 *     optional batches.meta.txt);
 *   - an image folder: DIR/train/<class>/*.png|jpg and DIR/test/<class>/*;
 *   - CSV in the Kaggle layout: a directory with *train*.csv and *test*.csv, or TRAIN.csv,TEST.csv.
 * Without SPEC: Fashion-MNIST (installed, else the embedded subset).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { cifar10TestFile, cifar10TrainFiles, loadCifar10, parseCifarBatch } from "./cifar10.js";
import { readCsvImages } from "./csv.js";
import { defaultFashionMnistDir, embeddedSubsetDir, loadFashionMnist } from "./fashionMnist.js";
import { readMaybeGzip } from "./gzip.js";
import { readIdxImageSet } from "./idx.js";
import { findIdxFile, idxFileNames } from "./idxDataset.js";
import { isImageFolder, readImageSplit } from "./imageFolder.js";
import { cifar10ClassNames, fashionMnistClassNames, type ImageSet } from "./types.js";

export const dataFormats = ["fashion-mnist", "idx", "cifar10", "image-folder", "csv"] as const;
export type DataFormat = (typeof dataFormats)[number];

/** What --data loaded. `train` is null when only the test split was asked for. */
export interface LoadedData {
  format: DataFormat;
  /** The path given (resolved), or the default dataset's directory. */
  path: string;
  train: ImageSet | null;
  test: ImageSet;
  /** Files present but not read (non-image files in image folders). */
  skipped: number;
  /** A warning to show (the embedded subset stands in for the full dataset), or null. */
  notice: string | null;
}

export interface LoadDataOptions {
  /** [C, H, W] of CSV rows (default: one gray square). */
  imageShape?: readonly [number, number, number];
  /** "test": only the test split is needed (predict). Default "both". */
  splits?: "both" | "test";
  /** The classes labels must name (a model's): image folders map folder names to these indices. */
  classNames?: readonly string[];
  /** [C, H, W] images must have (a model's). */
  shape?: readonly [number, number, number];
}

/**
 * Loads the data SPEC points to (see the module comment).
 * @throws BamsprodError naming the file at fault: a missing split, mixed image sizes, an empty
 *   class folder, a label out of range, a CSV row of the wrong length (with its line number).
 * @example const data = loadData("my-images"); console.log(describeData(data));
 */
export function loadData(spec: string | undefined, options: LoadDataOptions = {}): LoadedData {
  const data = spec === undefined || spec === "default" ? defaultData(options) : loadPath(spec, options);
  if (data.train !== null) unifyClasses(data.train, data.test, data.path);
  else nameClasses(data.test, options.classNames, data.path);
  if (options.shape !== undefined && data.test.shape.join(",") !== options.shape.join(",")) {
    throw new BamsprodError(
      `${data.path}: the images are [${data.test.shape.join(", ")}] but the model takes [${options.shape.join(", ")}]`,
    );
  }
  return data;
}

/** One line saying exactly what was loaded: format, path, counts per split, classes, shape. */
export function describeData(d: LoadedData): string {
  const set = d.train ?? d.test;
  const names = set.classNames ?? [];
  const shown = names.length > 12 ? [...names.slice(0, 12), "..."] : names;
  const counts = d.train === null ? `test ${d.test.count}` : `train ${d.train.count}, test ${d.test.count}`;
  const skipped = d.skipped > 0 ? `; ${d.skipped} non-image files skipped` : "";
  const notice = d.notice === null ? "" : `\n${d.notice}`;
  return (
    `data: ${d.format} at ${d.path}: ${counts} images; ${set.classes} classes (${shown.join(", ")}); ` +
    `images ${set.shape.join("x")} (CxHxW)${skipped}${notice}`
  );
}

function defaultData(options: LoadDataOptions): LoadedData {
  const fm = loadFashionMnist();
  const path = fm.embedded ? embeddedSubsetDir() : defaultFashionMnistDir;
  return {
    format: "fashion-mnist",
    path,
    train: options.splits === "test" ? null : fm.train,
    test: fm.test,
    skipped: 0,
    notice: fm.embedded ? fm.source : null,
  };
}

function loadPath(spec: string, options: LoadDataOptions): LoadedData {
  const csvPair = spec.split(",");
  if (csvPair.length === 2 && csvPair.every((p) => p.toLowerCase().endsWith(".csv"))) {
    return loadCsv(resolve(csvPair[0]), resolve(csvPair[1]), options);
  }
  const path = resolve(spec);
  if (!existsSync(path)) throw new BamsprodError(`--data ${show(spec)}: no such file or directory`);
  if (statSync(path).isFile()) {
    if (path.toLowerCase().endsWith(".csv")) return loadCsvFile(path, options);
    throw new BamsprodError(`--data ${show(spec)} is a file but not a .csv; pass a dataset directory or CSV files`);
  }
  if (Object.values(idxFileNames).some((n) => findIdxFile(path, n) !== null)) return loadIdx(path, options);
  const cifarRoot = existsSync(join(path, "cifar-10-batches-bin")) ? join(path, "cifar-10-batches-bin") : path;
  if ([cifar10TestFile, ...cifar10TrainFiles].some((n) => existsSync(join(cifarRoot, n)))) {
    return loadCifar(cifarRoot, options);
  }
  if (isImageFolder(path)) return loadImageFolder(path, options);
  const csvs = readdirSync(path).filter((n) => n.toLowerCase().endsWith(".csv"));
  if (csvs.length > 0) return loadCsvDir(path, csvs, options);
  throw new BamsprodError(
    `--data ${show(spec)}: no dataset recognized in this directory; expected IDX files (train-images-idx3-ubyte...), ` +
      "CIFAR-10 batches (data_batch_1.bin... test_batch.bin), an image folder (train/<class>/*.png, test/<class>/*.png) " +
      "or CSV files (*train*.csv, *test*.csv)",
  );
}

function loadIdx(dir: string, options: LoadDataOptions): LoadedData {
  const pair = (images: string, labels: string): ImageSet => {
    const find = (name: string): string => {
      const p = findIdxFile(dir, name);
      if (p === null) throw new BamsprodError(`missing ${name} (or ${name}.gz) in ${dir}`);
      return p;
    };
    return readIdxImageSet(find(images), find(labels), 256);
  };
  const train = options.splits === "test" ? null : pair(idxFileNames.trainImages, idxFileNames.trainLabels);
  const test = pair(idxFileNames.testImages, idxFileNames.testLabels);
  const names = classNamesFile(join(dir, "classes.txt")) ?? knownIdxNames(dir);
  for (const set of [train, test]) if (set !== null && names !== null) set.classNames = [...names];
  return { format: "idx", path: dir, train, test, skipped: 0, notice: null };
}

/** Fashion-MNIST's own directories keep its class names. */
function knownIdxNames(dir: string): readonly string[] | null {
  const known = [defaultFashionMnistDir];
  try {
    known.push(embeddedSubsetDir());
  } catch {
    // no embedded subset: nothing to recognize
  }
  return known.some((k) => resolve(k) === dir) ? fashionMnistClassNames : null;
}

function loadCifar(root: string, options: LoadDataOptions): LoadedData {
  const names = classNamesFile(join(root, "batches.meta.txt")) ?? cifar10ClassNames;
  let train: ImageSet | null = null;
  let test: ImageSet;
  if (options.splits === "test") {
    const path = join(root, cifar10TestFile);
    if (!existsSync(path)) throw new BamsprodError(`missing CIFAR-10 file ${cifar10TestFile} in ${root}`);
    const { images, labels } = parseCifarBatch(readMaybeGzip(path), path);
    test = { images, labels, count: labels.length, shape: [3, 32, 32], classes: 10 };
  } else {
    ({ train, test } = loadCifar10(root));
  }
  for (const set of [train, test]) if (set !== null) set.classNames = [...names];
  return { format: "cifar10", path: root, train, test, skipped: 0, notice: null };
}

function loadImageFolder(dir: string, options: LoadDataOptions): LoadedData {
  const split = (name: string): string => {
    const path = join(dir, name);
    if (!existsSync(path) || !statSync(path).isDirectory()) {
      throw new BamsprodError(`image folder ${dir} has no ${name}/ folder: put images in ${join(dir, name, "<class>")}/`);
    }
    return path;
  };
  let train: ImageSet | null = null;
  let skipped = 0;
  let expect = { classNames: options.classNames, shape: options.shape };
  if (options.splits !== "test") {
    const read = readImageSplit(split("train"), expect);
    train = read.set;
    skipped += read.skipped;
    expect = { classNames: train.classNames, shape: train.shape };
  }
  const read = readImageSplit(split("test"), expect);
  skipped += read.skipped;
  return { format: "image-folder", path: dir, train, test: read.set, skipped, notice: null };
}

function loadCsvDir(dir: string, csvs: string[], options: LoadDataOptions): LoadedData {
  const pick = (word: string): string => {
    const found = csvs.filter((n) => n.toLowerCase().includes(word));
    if (found.length !== 1) {
      throw new BamsprodError(
        `${dir}: expected one CSV file with "${word}" in its name, found ${found.length} (${csvs.join(", ")}); or pass --data TRAIN.csv,TEST.csv`,
      );
    }
    return join(dir, found[0]);
  };
  if (options.splits === "test") return csvData(dir, null, pick("test"), options);
  return loadCsv(pick("train"), pick("test"), options);
}

/** A single CSV: the test split for predict; for training, its sibling with "test" for "train". */
function loadCsvFile(path: string, options: LoadDataOptions): LoadedData {
  if (options.splits === "test") return csvData(path, null, path, options);
  const name = basename(path);
  const sibling = join(dirname(path), name.replace(/train/i, "test"));
  if (sibling === path || !existsSync(sibling)) {
    throw new BamsprodError(`--data ${path}: training needs a test file too; pass --data TRAIN.csv,TEST.csv`);
  }
  return loadCsv(path, sibling, options);
}

function loadCsv(trainPath: string, testPath: string, options: LoadDataOptions): LoadedData {
  return csvData(`${trainPath},${testPath}`, trainPath, testPath, options);
}

function csvData(label: string, trainPath: string | null, testPath: string, options: LoadDataOptions): LoadedData {
  const shape = options.imageShape ?? options.shape;
  const train = trainPath === null ? null : readCsvImages(trainPath, shape);
  const test = readCsvImages(testPath, shape ?? train?.shape);
  return { format: "csv", path: label, train, test, skipped: 0, notice: null };
}

/**
 * Gives both splits one class count (the largest label of either, plus one) and names; the
 * test split's labels must be classes the training split has names for.
 */
function unifyClasses(train: ImageSet, test: ImageSet, path: string): void {
  if (train.shape.join(",") !== test.shape.join(",")) {
    throw new BamsprodError(
      `${path}: the training images are [${train.shape.join(", ")}] but the test images are [${test.shape.join(", ")}]`,
    );
  }
  const classes = Math.max(maxLabel(train), maxLabel(test)) + 1;
  const names = train.classNames ?? test.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  if (names.length < classes) {
    throw new BamsprodError(`${path}: labels go up to ${classes - 1} but only ${names.length} class names are given`);
  }
  for (const set of [train, test]) {
    set.classes = Math.max(classes, names.length);
    set.classNames = [...names];
  }
}

/** A test split alone: classes from the labels, or the given names (a model's), which labels must fit. */
function nameClasses(test: ImageSet, classNames: readonly string[] | undefined, path: string): void {
  const classes = maxLabel(test) + 1;
  const names = classNames ?? test.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  if (classes > names.length) {
    throw new BamsprodError(`${path}: label ${classes - 1} is out of range for the ${names.length} classes ${show(names)}`);
  }
  test.classes = names.length;
  test.classNames = [...names];
}

function maxLabel(set: ImageSet): number {
  let max = 0;
  for (const l of set.labels) if (l > max) max = l;
  return max;
}

/** Class names, one per line (blank lines ignored), or null when the file is absent. */
function classNamesFile(path: string): string[] | null {
  if (!existsSync(path)) return null;
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}
