/**
 * Labelled images as CSV, in the common Kaggle layout: a header line (`label,pixel1,...`),
 * then one image per line: its label (an integer class index), then C*H*W pixel values
 * 0..255 in CHW order (row-major for grayscale). The shape is given (`--image-shape C,H,W`)
 * or, for a square number of pixels, taken as one gray square. Numbers only, no quoting, so a
 * plain line reader is enough (and several times faster than a general CSV parser).
 */
import { readFileSync } from "node:fs";
import { BamsprodError, show } from "../util/errors.js";
import type { ImageSet } from "./types.js";

/** Reads one CSV file; `shape` fixes [C, H, W]. Errors name the file and the line number. */
export function readCsvImages(path: string, shape?: readonly [number, number, number]): ImageSet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new BamsprodError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const lines = text.split("\n");
  const header = lines[0].replace(/\r$/, "").split(",").map((h) => h.trim().replace(/^"(.*)"$/, "$1"));
  if (header.length < 2 || header[0].toLowerCase() !== "label") {
    throw new BamsprodError(
      `${path} line 1: expected a header starting with "label" (label,pixel1,...,pixelN), got ${show(lines[0].slice(0, 60))}`,
    );
  }
  const pixels = header.length - 1;
  const imageShape = shape ?? squareShape(path, pixels);
  if (imageShape[0] * imageShape[1] * imageShape[2] !== pixels) {
    throw new BamsprodError(
      `${path}: --image-shape ${imageShape.join(",")} has ${imageShape[0] * imageShape[1] * imageShape[2]} values but the rows have ${pixels} pixels`,
    );
  }
  let count = 0;
  for (let i = 1; i < lines.length; i++) if (lines[i].trim() !== "") count++;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const fields = line.split(",");
    if (fields.length !== pixels + 1) {
      throw new BamsprodError(`${path} line ${i + 1}: ${fields.length} values, the header has ${pixels + 1}`);
    }
    labels[n] = field(path, i + 1, fields, 0, 255, "label");
    for (let p = 0; p < pixels; p++) images[n * pixels + p] = field(path, i + 1, fields, p + 1, 255, "pixel");
    n++;
  }
  if (count === 0) throw new BamsprodError(`${path} has a header but no images`);
  let classes = 0;
  for (const l of labels) classes = Math.max(classes, l + 1);
  return { images, labels, count, shape: [...imageShape], classes };
}

function field(path: string, line: number, fields: string[], column: number, max: number, what: string): number {
  const text = fields[column].trim();
  const v = Number(text);
  if (!/^\d+$/.test(text) || v > max) {
    throw new BamsprodError(`${path} line ${line}, column ${column + 1}: ${what} ${show(text)} is not an integer 0..${max}`);
  }
  return v;
}

function squareShape(path: string, pixels: number): [number, number, number] {
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) {
    throw new BamsprodError(`${path}: rows have ${pixels} pixels, not a square image; pass --image-shape C,H,W`);
  }
  return [1, side, side];
}
