import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BamsprodError } from "../util/errors.js";
import { findIdxFile, idxFileNames, loadIdxDataset } from "./idxDataset.js";
import { fashionMnistClassNames, type ImageSet } from "./types.js";

/** Where the Debian package `dataset-fashion-mnist` installs the dataset. */
export const defaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

const installHint =
  "install the dataset with `sudo apt-get install dataset-fashion-mnist` or pass --data DIR " +
  "(a directory with the four Fashion-MNIST IDX files, gzipped or not)";

/** Options of loadFashionMnist. */
export interface FashionMnistOptions {
  /** Directory with the four IDX files (the CLI's --data-dir); no fallback when given. */
  dataDir?: string;
  /** Where to look when `dataDir` is not given; default /usr/share/datasets/fashion-mnist. */
  defaultDir?: string;
}

/** The result of loadFashionMnist. */
export interface FashionMnist {
  train: ImageSet;
  test: ImageSet;
  /** One line saying which data is in use: the full dataset at a directory, or the embedded subset. */
  source: string;
  /** True when the small embedded subset is in use instead of the full dataset. */
  embedded: boolean;
}

/**
 * The directory of the embedded Fashion-MNIST subset shipped with the package (data/ at the
 * package root). Found relative to this module, not the working directory, so it works from
 * any cwd and from an installed package.
 */
export function embeddedSubsetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, "data", "fashion-mnist-subset");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new BamsprodError(
    `the embedded Fashion-MNIST subset (data/fashion-mnist-subset) is missing from the bamsprod package: ` +
      `reinstall bamsprod, or ${installHint}`,
  );
}

function hasAnyIdxFile(dir: string): boolean {
  return Object.values(idxFileNames).some((name) => findIdxFile(dir, name) !== null);
}

function load(dir: string): { train: ImageSet; test: ImageSet } {
  return loadIdxDataset(dir, { classes: 10, classNames: fashionMnistClassNames, missingHint: installHint });
}

/**
 * Loads Fashion-MNIST. With `dataDir`, loads from there (BamsprodError naming the missing file
 * and how to get it). Without, loads the full dataset from /usr/share/datasets/fashion-mnist; if
 * that holds none of the files, falls back to the embedded subset (a few thousand images) so a
 * fresh machine still runs, and says so in `source`. A partial or corrupt default install is an
 * error rather than a silent fallback.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  if (options.dataDir !== undefined) {
    const sets = load(options.dataDir);
    return { ...sets, source: describeFull(options.dataDir, sets), embedded: false };
  }
  const defaultDir = options.defaultDir ?? defaultFashionMnistDir;
  if (existsSync(defaultDir) && hasAnyIdxFile(defaultDir)) {
    const sets = load(defaultDir);
    return { ...sets, source: describeFull(defaultDir, sets), embedded: false };
  }
  const dir = embeddedSubsetDir();
  const sets = load(dir);
  const source =
    `data: EMBEDDED Fashion-MNIST SUBSET (${sets.train.count} train / ${sets.test.count} test images, ` +
    `from ${dir}) because ${defaultDir} is absent; accuracies are not comparable with the ` +
    `full dataset: for it, sudo apt-get install dataset-fashion-mnist or pass --data DIR`;
  return { ...sets, source, embedded: true };
}

function describeFull(dir: string, sets: { train: ImageSet; test: ImageSet }): string {
  return `data: Fashion-MNIST full dataset at ${dir} (${sets.train.count} train / ${sets.test.count} test images)`;
}
