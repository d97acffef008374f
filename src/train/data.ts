/** The datasets of one training run: training split, validation hold-out and test set. */
import { BamsprodError, show } from "../util/errors.js";
import { describeData, loadData, splitValidation, subsample, type ImageSet } from "../data/index.js";
import type { TrainConfig } from "./config.js";

/** The default hold-out: 5000 images, or a tenth of a smaller training set (the embedded subset). */
const DEFAULT_VAL_SIZE = 5000;

export interface TrainingData {
  train: ImageSet;
  val: ImageSet | null;
  test: ImageSet;
  /** What was loaded: format, path, counts per split, classes, shape (see describeData). */
  source: string;
}

export function loadTrainingData(config: TrainConfig): TrainingData {
  const loaded = loadData(config.data, { imageShape: config.imageShape });
  const full = loaded.train as ImageSet;
  const valSize = config.valSize ?? Math.min(DEFAULT_VAL_SIZE, Math.floor(full.count / 10));
  if (valSize >= full.count) {
    throw new BamsprodError(
      `--val-size ${show(valSize)} leaves no training images (the training set has ${full.count})`,
    );
  }
  const split = valSize > 0 ? splitValidation(full, valSize, config.seed) : { train: full, val: null };
  let train = split.train;
  if (config.trainSize > 0) {
    if (config.trainSize > train.count) {
      throw new BamsprodError(
        `--train-size ${show(config.trainSize)} exceeds the ${train.count} training images available`,
      );
    }
    train = subsample(train, config.trainSize, config.seed);
  }
  const used =
    `using train ${train.count}` +
    (split.val === null ? "" : `, validation ${split.val.count} (held out of train)`) +
    `, test ${loaded.test.count}`;
  return { train, val: split.val, test: loaded.test, source: `${describeData(loaded)}\n${used}` };
}
