// Learnable generated datasets written in every supported format: IDX, image folders (PNG and
// JPEG, gray or RGB), Kaggle-style CSV.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import type { ImageSet } from "../../src/data/index.js";
import { Rng } from "../../src/util/random.js";

/**
 * `count` images of shape [C, H, W] in `classes` classes: class k is bright in the k-th vertical
 * band of columns, dark elsewhere, with seeded noise, so a linear model learns it in an epoch.
 */
export function bandSet(count: number, shape: [number, number, number], classes: number, seed: number): ImageSet {
  const [c, h, w] = shape;
  const rng = new Rng(seed);
  const size = c * h * w;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const bright = Math.floor((x * classes) / w) === label;
          images[i * size + (ch * h + y) * w + x] = Math.floor((bright ? 160 : 30) + 60 * rng.uniform());
        }
      }
    }
  }
  return { images, labels, count, shape, classes };
}

/** RGBA bytes of image i (gray sets repeat the plane in R, G and B). */
export function rgbaOf(set: ImageSet, i: number): Uint8Array {
  const [c, h, w] = set.shape;
  const size = c * h * w;
  const out = new Uint8Array(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) out[4 * p + k] = set.images[i * size + (c === 1 ? 0 : k) * h * w + p];
    out[4 * p + 3] = 255;
  }
  return out;
}

export function pngBytes(rgba: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.set(rgba);
  return PNG.sync.write(png);
}

export function jpegBytes(rgba: Uint8Array, width: number, height: number): Buffer {
  return jpeg.encode({ data: rgba, width, height }, 95).data;
}

/** Writes DIR/<split>/<class name>/0001.png, 0002.png, ... (or .jpg), numbered per class. */
export function writeImageSplit(
  dir: string,
  split: string,
  set: ImageSet,
  names: string[],
  format: "png" | "jpg" = "png",
): void {
  const [, h, w] = set.shape;
  const counts = names.map(() => 0);
  for (const name of names) mkdirSync(join(dir, split, name), { recursive: true });
  for (let i = 0; i < set.count; i++) {
    const rgba = rgbaOf(set, i);
    const bytes = format === "png" ? pngBytes(rgba, w, h) : jpegBytes(rgba, w, h);
    const label = set.labels[i];
    const file = `${String(++counts[label]).padStart(4, "0")}.${format}`;
    writeFileSync(join(dir, split, names[label], file), bytes);
  }
}

/** The Kaggle layout: header label,pixel1..pixelN, then one image per line. */
export function csvText(set: ImageSet): string {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const header = ["label", ...Array.from({ length: size }, (_, p) => `pixel${p + 1}`)].join(",");
  const rows = Array.from({ length: set.count }, (_, i) =>
    [set.labels[i], ...set.images.subarray(i * size, (i + 1) * size)].join(","),
  );
  return [header, ...rows].join("\n") + "\n";
}
