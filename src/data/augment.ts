import type { Rng } from "../util/random.js";

/** Augmentation for batches(): random crop of a zero-padded image, and random horizontal flip. */
export interface AugmentOptions {
  /** Zero padding on each side before a random crop back to the original size. Default 4. */
  padding?: number;
  /** Mirror left-right with probability 1/2. Default true. */
  flip?: boolean;
}

/**
 * Writes one augmented image into `dst` at `dstOffset`, as floats 0..255: the image is
 * zero-padded by `padding` pixels per side, cropped back to H x W at a random offset, then
 * mirrored left-right with probability 1/2 if `flip`. Draws exactly three numbers from `rng`
 * per image (crop y, crop x, flip) so the stream does not depend on the options.
 */
export function augmentImage(
  src: Uint8Array,
  srcOffset: number,
  shape: readonly [number, number, number],
  dst: Float32Array,
  dstOffset: number,
  padding: number,
  flip: boolean,
  rng: Rng,
): void {
  const [channels, height, width] = shape;
  const dy = rng.int(2 * padding + 1) - padding;
  const dx = rng.int(2 * padding + 1) - padding;
  const mirror = rng.uniform() < 0.5 && flip;
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < height; y++) {
      const sy = y + dy;
      const rowOut = dstOffset + plane + y * width;
      if (sy < 0 || sy >= height) {
        dst.fill(0, rowOut, rowOut + width);
        continue;
      }
      const rowIn = srcOffset + plane + sy * width;
      for (let x = 0; x < width; x++) {
        const sx = (mirror ? width - 1 - x : x) + dx;
        dst[rowOut + x] = sx >= 0 && sx < width ? src[rowIn + sx] : 0;
      }
    }
  }
}
