import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from "./idx.js";
import { imageSize, type ImageSet } from "./types.js";

function header(magic: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Encodes a single-channel ImageSet's images as an (uncompressed) IDX images file,
 * the inverse of readIdxImages; used to write the embedded subset and test fixtures.
 */
export function encodeIdxImages(set: ImageSet): Uint8Array {
  if (set.shape[0] !== 1) throw new Error(`IDX images need 1 channel, got shape ${set.shape.join("x")}`);
  const pixels = set.images.subarray(0, set.count * imageSize(set));
  return concat(header(IDX_IMAGES_MAGIC, [set.count, set.shape[1], set.shape[2]]), pixels);
}

/** Encodes labels as an (uncompressed) IDX labels file. */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  return concat(header(IDX_LABELS_MAGIC, [labels.length]), labels);
}
