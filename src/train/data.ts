/** The datasets of one training run: training split, validation hold-out and test set. */
import { BamsprodError, show } from "../util/errors.js";
import { loadFashionMnist, splitValidation, subsample, type ImageSet } from "../data/index.js";
import type { TrainConfig } from "./config.js";

/** The default hold-out: 5000 images, or a tenth of a smaller training set (the embedded subset). */
const DEFAULT_VAL_SIZE = 5000;

export interface TrainingData {
  train: ImageSet;
  val: ImageSet | null;
  test: ImageSet;
  /** One line saying which data is in use. */
  source: string;
}

export function loadTrainingData(config: TrainConfig): TrainingData {
  const loaded = loadFashionMnist({ dataDir: config.dataDir });
  const valSize = config.valSize ?? Math.min(DEFAULT_VAL_SIZE, Math.floor(loaded.train.count / 10));
  if (valSize >= loaded.train.count) {
    throw new BamsprodError(
      `--val-size ${show(valSize)} leaves no training images (the training set has ${loaded.train.count})`,
    );
  }
  const split =
    valSize > 0 ? splitValidation(loaded.train, valSize, config.seed) : { train: loaded.train, val: null };
  let train = split.train;
  if (config.trainSize > 0) {
    if (config.trainSize > train.count) {
      throw new BamsprodError(
        `--train-size ${show(config.trainSize)} exceeds the ${train.count} training images available`,
      );
    }
    train = subsample(train, config.trainSize, config.seed);
  }
  return { train, val: split.val, test: loaded.test, source: loaded.source };
}
