import { BamsprodError, show } from "../util/errors.js";
import { Rng } from "../util/random.js";
import { augmentImage, type AugmentOptions } from "./augment.js";
import { deriveSeed } from "./seeds.js";
import { range } from "./select.js";
import { imageSize, type ImageSet } from "./types.js";

const ORDER_TAG = 0xba7c0001;
const AUGMENT_TAG = 0xba7c0002;

/** Options of batches(). */
export interface BatchOptions {
  /** Visit the images in a seeded random order (true) or in stored order (false). */
  shuffle: boolean;
  /** Run seed: with `epoch`, it fully determines the order and the augmentation. */
  seed: number;
  /** Epoch number (0-based or 1-based, as the caller likes; each value gives its own order). */
  epoch: number;
  /** Random crop + horizontal flip (for CIFAR); off by default. `true` uses the defaults. */
  augment?: boolean | AugmentOptions;
}

/**
 * One mini-batch. `x` and `y` are views of buffers that the next iteration overwrites: copy them
 * to keep them. They always hold exactly `size` images, so the last batch of an epoch, which may
 * be smaller than the batch size (`partial` true), has shorter views.
 */
export interface Batch {
  /** size*C*H*W raw pixels 0..255 as floats, NCHW. */
  x: Float32Array;
  /** size labels. */
  y: Uint8Array;
  /** Images in this batch: the batch size, or fewer for the last batch of the epoch. */
  size: number;
  /** True when size is less than the requested batch size (the epoch's last batch). */
  partial: boolean;
  /** 0-based index of this batch in the epoch. */
  index: number;
  /** [size, C, H, W], the shape of `x`. */
  shape: [number, number, number, number];
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new BamsprodError(`${name} ${show(value)} is invalid: use an integer >= ${min}`);
  }
}

/** Number of batches per epoch, counting the last partial one. */
export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * The order in which an epoch visits the images: a pure function of (count, shuffle, seed, epoch),
 * so a resumed run recomputes it without any saved random state.
 */
export function epochOrder(count: number, options: Pick<BatchOptions, "shuffle" | "seed" | "epoch">): Uint32Array {
  const order = range(count);
  if (!options.shuffle) return order;
  return new Rng(deriveSeed(options.seed, options.epoch, ORDER_TAG)).shuffle(order);
}

function resolveAugment(augment: BatchOptions["augment"]): Required<AugmentOptions> | null {
  if (augment === undefined || augment === false) return null;
  const options = augment === true ? {} : augment;
  const padding = options.padding ?? 4;
  checkInteger("augmentation padding", padding, 0);
  return { padding, flip: options.flip ?? true };
}

/**
 * Iterates over one epoch of `set` in mini-batches of `batchSize`, the last one possibly smaller.
 * The order (and any augmentation) depends only on (seed, epoch). Pixels are not normalized.
 */
export function batches(set: ImageSet, batchSize: number, options: BatchOptions): Generator<Batch, void, undefined> {
  checkInteger("batch size", batchSize, 1);
  if (!Number.isSafeInteger(options.seed)) {
    throw new BamsprodError(`seed ${show(options.seed)} is invalid: use an integer`);
  }
  checkInteger("epoch", options.epoch, 0);
  const augment = resolveAugment(options.augment);
  return generate(set, batchSize, epochOrder(set.count, options), augment, options);
}

function* generate(
  set: ImageSet,
  batchSize: number,
  order: Uint32Array,
  augment: Required<AugmentOptions> | null,
  options: BatchOptions,
): Generator<Batch, void, undefined> {
  const size = imageSize(set);
  const xBuffer = new Float32Array(batchSize * size);
  const yBuffer = new Uint8Array(batchSize);
  for (let index = 0, start = 0; start < set.count; index++, start += batchSize) {
    const n = Math.min(batchSize, set.count - start);
    const rng = augment ? new Rng(deriveSeed(options.seed, options.epoch, index, AUGMENT_TAG)) : null;
    for (let i = 0; i < n; i++) {
      const src = order[start + i];
      yBuffer[i] = set.labels[src];
      if (augment && rng) {
        augmentImage(set.images, src * size, set.shape, xBuffer, i * size, augment.padding, augment.flip, rng);
      } else {
        // Float32Array.set converts each byte to a float.
        xBuffer.set(set.images.subarray(src * size, (src + 1) * size), i * size);
      }
    }
    const partial = n < batchSize;
    yield {
      x: partial ? xBuffer.subarray(0, n * size) : xBuffer,
      y: partial ? yBuffer.subarray(0, n) : yBuffer,
      size: n,
      partial,
      index,
      shape: [n, set.shape[0], set.shape[1], set.shape[2]],
    };
  }
}
