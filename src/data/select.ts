import { imageSize, type ImageSet } from "./types.js";

/** A new ImageSet holding copies of the images at `indices`, in that order. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = imageSize(set);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    images.set(set.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = set.labels[src];
  }
  const out: ImageSet = { images, labels, count: indices.length, shape: [...set.shape], classes: set.classes };
  if (set.classNames) out.classNames = [...set.classNames];
  return out;
}

/** 0..n-1 as a Uint32Array. */
export function range(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
