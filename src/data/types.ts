/**
 * A set of labelled images as raw pixels. The model normalizes pixels itself, so the data layer
 * never rescales: `images` holds the bytes exactly as stored in the dataset files.
 */
export interface ImageSet {
  /** N*C*H*W bytes, sample-major then channel-major (NCHW), values 0..255. */
  images: Uint8Array;
  /** One class index per image, each in 0..classes-1. */
  labels: Uint8Array;
  /** Number of images N. */
  count: number;
  /** Shape of one image: [channels, height, width]. */
  shape: [number, number, number];
  /** Number of classes. */
  classes: number;
  /** Human-readable class names, index-aligned with the labels, when known. */
  classNames?: string[];
}

/** A dataset's fixed training and test sets. */
export interface TrainTestSets {
  train: ImageSet;
  test: ImageSet;
}

/** Fashion-MNIST's class names, in label order. */
export const fashionMnistClassNames: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** CIFAR-10's class names, in label order. */
export const cifar10ClassNames: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Bytes in one image of the set: C*H*W. */
export function imageSize(set: Pick<ImageSet, "shape">): number {
  return set.shape[0] * set.shape[1] * set.shape[2];
}
