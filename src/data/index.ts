/** Datasets as raw pixels: IDX (MNIST, Fashion-MNIST) and CIFAR-10 readers, splits, batching. */
export type { ImageSet, TrainTestSets } from "./types.js";
export { fashionMnistClassNames, cifar10ClassNames, imageSize } from "./types.js";
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxImages, readIdxLabels, readIdxImageSet } from "./idx.js";
export type { IdxContents } from "./idx.js";
export { encodeIdxImages, encodeIdxLabels } from "./idxWrite.js";
export { loadIdxDataset, idxFileNames } from "./idxDataset.js";
export type { IdxDatasetOptions } from "./idxDataset.js";
export { loadFashionMnist, embeddedSubsetDir, defaultFashionMnistDir } from "./fashionMnist.js";
export type { FashionMnist, FashionMnistOptions } from "./fashionMnist.js";
export { loadCifar10, parseCifarBatch, CIFAR_IMAGE_BYTES, CIFAR_RECORD_BYTES } from "./cifar10.js";
export { splitValidation, subsample } from "./split.js";
export { selectImages } from "./select.js";
export { batches, batchCount, epochOrder } from "./batches.js";
export type { Batch, BatchOptions } from "./batches.js";
export type { AugmentOptions } from "./augment.js";
export { deriveSeed } from "./seeds.js";
export { fingerprintData, fingerprintDifference } from "./fingerprint.js";
export type { DataFingerprint } from "./fingerprint.js";
