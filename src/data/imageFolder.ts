/**
 * Image folders in the torchvision / Keras layout: DIR/train/<class>/*.png|jpg and
 * DIR/test/<class>/*. Class names are the folder names, sorted; labels are their indices. All
 * images must have one size (no resizing: a different size is an error naming the file);
 * the set is grayscale (1 channel) when every image is, else RGB (3 channels).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { decodeImageFile, isImageFile, toPlanes, type DecodedImage } from "./imageFile.js";
import type { ImageSet } from "./types.js";

/** The classes of a split folder: sub-folder names, sorted. */
export function classFolders(dir: string): string[] {
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith(".") && statSync(join(dir, n)).isDirectory())
    .sort();
  if (names.length === 0) {
    throw new BamsprodError(`${dir} has no class folders: put each class's images in ${join(dir, "<class name>")}/`);
  }
  return names;
}

/** True when `dir` looks like an image folder dataset (a train/ or test/ folder of class folders). */
export function isImageFolder(dir: string): boolean {
  return ["train", "test"].some((split) => {
    const path = join(dir, split);
    return existsSync(path) && statSync(path).isDirectory();
  });
}

/** Image files of one class folder, sorted by name; a folder with none is an error. */
function classImages(dir: string): { files: string[]; skipped: number } {
  const all = readdirSync(dir).filter((n) => !n.startsWith("."));
  const files = all.filter(isImageFile).sort().map((n) => join(dir, n));
  if (files.length === 0) {
    throw new BamsprodError(`class folder ${dir} has no images (.png, .jpg or .jpeg); add some or remove the folder`);
  }
  return { files, skipped: all.length - files.length };
}

/** What a split must match: the training split's (or a model's) classes and image shape. */
export interface SplitExpectations {
  /** Fixes the label of each folder name; a folder not among them is an error. */
  classNames?: readonly string[];
  /** [C, H, W]: every image must have H x W; C 1 refuses color images, C 3 takes gray ones as RGB. */
  shape?: readonly [number, number, number];
}

/** Reads one split folder (DIR/train or DIR/test). */
export function readImageSplit(dir: string, expect: SplitExpectations = {}): { set: ImageSet; skipped: number } {
  const classNames = expect.classNames;
  const folders = classFolders(dir);
  const names = classNames ?? folders;
  const entries: Array<{ file: string; label: number }> = [];
  let skipped = 0;
  for (const folder of folders) {
    const label = names.indexOf(folder);
    if (label < 0) {
      throw new BamsprodError(
        `${join(dir, folder)}: class ${show(folder)} is not one of the classes ${names.map((n) => show(n)).join(", ")}`,
      );
    }
    if (label > 255) throw new BamsprodError(`${dir}: more than 256 classes are not supported`);
    const found = classImages(join(dir, folder));
    skipped += found.skipped;
    for (const file of found.files) entries.push({ file, label });
  }
  const decoded: DecodedImage[] = entries.map((e) => decodeImageFile(e.file));
  const [height, width] = expect.shape?.slice(1) ?? [decoded[0].height, decoded[0].width];
  const sizeOrigin = expect.shape === undefined ? entries[0].file : "the training images (or the model)";
  decoded.forEach((image, i) => {
    if (image.width !== width || image.height !== height) {
      throw new BamsprodError(
        `${entries[i].file} is ${image.width}x${image.height} but ${sizeOrigin} ${expect.shape === undefined ? "is" : "are"} ${width}x${height}: ` +
          "all images must have one size (bamsprod does not resize); resize them first",
      );
    }
  });
  const channels = expect.shape?.[0] ?? (decoded.every((d) => d.gray) ? 1 : 3);
  if (channels === 1) {
    const color = decoded.findIndex((d) => !d.gray);
    if (color >= 0) {
      throw new BamsprodError(`${entries[color].file} is in color but the training images (or the model) are grayscale`);
    }
  }
  const size = channels * width * height;
  const images = new Uint8Array(entries.length * size);
  decoded.forEach((image, i) => toPlanes(image, channels, images, i * size));
  const labels = Uint8Array.from(entries.map((e) => e.label));
  return {
    set: { images, labels, count: entries.length, shape: [channels, height, width], classes: names.length, classNames: [...names] },
    skipped,
  };
}
