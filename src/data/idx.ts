import { BamsprodError } from "../util/errors.js";
import { isGzip, readHead, readMaybeGzip } from "./gzip.js";
import { checkLimit, LIMITS } from "../util/limits.js";
import type { ImageSet } from "./types.js";

/** IDX magic number of an unsigned-byte file with 3 dimensions (images: N x rows x cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic number of an unsigned-byte file with 1 dimension (labels: N). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** The decoded contents of an IDX file: its dimensions and a view of its data bytes. */
export interface IdxContents {
  dims: number[];
  data: Uint8Array;
}

function hex(magic: number): string {
  return "0x" + (magic >>> 0).toString(16).padStart(8, "0");
}

/**
 * Parses the bytes of an unsigned-byte IDX file: a big-endian 32-bit magic number
 * (0x0000 08 <ndims>), ndims big-endian 32-bit sizes, then the data bytes.
 * `path` only names the file in error messages. The returned data is a view, not a copy.
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, path: string): IdxContents {
  const what = expectedMagic === IDX_IMAGES_MAGIC ? "images" : "labels";
  const view = checkMagic(bytes, expectedMagic, path);
  const magic = expectedMagic;
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new BamsprodError(
      `${path} is truncated: expected a ${headerBytes}-byte header, the file has ${bytes.length} bytes`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  checkLimit(`the data size in the header of ${path} (${dims.join("x")})`, dataBytes, LIMITS.fileBytes, " bytes");
  const expected = headerBytes + dataBytes;
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? "is truncated" : "is longer than its header says";
    throw new BamsprodError(
      `${path} ${problem}: header says ${dims.join("x")} bytes of ${what}, so expected ${expected} bytes, ` +
        `got ${bytes.length} (after decompression)`,
    );
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, dataBytes);
  return { dims, data };
}

/** Checks the magic number at the start of `bytes` (the file or its first bytes). */
function checkMagic(bytes: Uint8Array, expectedMagic: number, path: string): DataView {
  const what = expectedMagic === IDX_IMAGES_MAGIC ? "images" : "labels";
  if (bytes.length < 4) {
    throw new BamsprodError(`${path} is truncated: it has ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    const swapped = magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC ? " (images and labels swapped?)" : "";
    throw new BamsprodError(
      `${path} has IDX magic number ${hex(magic)}, expected ${hex(expectedMagic)} for ${what}${swapped}: ` +
        `not an IDX ${what} file`,
    );
  }
  return view;
}

/**
 * The bytes of an IDX file, gunzipped if needed. An uncompressed file's magic number is checked
 * on its first bytes, before the rest is read.
 */
function readIdx(path: string, expectedMagic: number): Uint8Array {
  const head = readHead(path, 4);
  if (!isGzip(head)) checkMagic(head, expectedMagic, path);
  return readMaybeGzip(path);
}

/** Reads an IDX images file (gzipped or not): returns N, rows, cols and the pixel bytes. */
export function readIdxImages(path: string): { count: number; rows: number; cols: number; pixels: Uint8Array } {
  const { dims, data } = parseIdx(readIdx(path, IDX_IMAGES_MAGIC), IDX_IMAGES_MAGIC, path);
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: data };
}

/** Reads an IDX labels file (gzipped or not). */
export function readIdxLabels(path: string): Uint8Array {
  return parseIdx(readIdx(path, IDX_LABELS_MAGIC), IDX_LABELS_MAGIC, path).data;
}

/** Throws unless every label is below `classes`; `path` names the file in the message. */
export function checkLabels(labels: Uint8Array, classes: number, path: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new BamsprodError(
        `${path}: label ${labels[i]} at index ${i} is out of range, expected 0..${classes - 1}: corrupt labels file?`,
      );
    }
  }
}

/**
 * Reads a pair of IDX files (images and labels, gzipped or not) into an ImageSet with shape
 * [1, rows, cols]. Throws BamsprodError if the counts differ or a label is not below `classes`.
 */
export function readIdxImageSet(
  imagesPath: string,
  labelsPath: string,
  classes: number,
  classNames?: readonly string[],
): ImageSet {
  const images = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== images.count) {
    throw new BamsprodError(
      `${imagesPath} has ${images.count} images but ${labelsPath} has ${labels.length} labels: ` +
        `the files must come from the same split`,
    );
  }
  checkLabels(labels, classes, labelsPath);
  const set: ImageSet = {
    images: images.pixels,
    labels,
    count: images.count,
    shape: [1, images.rows, images.cols],
    classes,
  };
  if (classNames) set.classNames = [...classNames];
  return set;
}
