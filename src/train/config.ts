/**
 * The configuration of one training run, validated in one place so the CLI and the library
 * reject the same bad values with the same messages.
 */
import { BamsprodError, show } from "../util/errors.js";
import { modelNames } from "../nn/index.js";

export interface TrainConfig {
  model: string;
  optimizer: string;
  /** Options passed to createOptimizer (lr, beta1, gamma, ...), only those the user set. */
  optimizerOptions: Record<string, number | null>;
  epochs: number;
  batchSize: number;
  seed: number;
  /**
   * Images held out of the training set for validation (seeded). Default: 5000, or a tenth of
   * the training set when that is smaller (the embedded subset).
   */
  valSize?: number;
  /** Train on a seeded subsample of this many images (0: all), for quick runs. */
  trainSize: number;
  /** Learning-rate schedule, e.g. "constant", "cosine", "step:2:0.5", "exp:0.95", "warmup:500,cosine". */
  lrSchedule: string;
  /** Directory with the IDX files; default: the Debian dataset, else the embedded subset. */
  dataDir?: string;
  /** Output directory: metrics.jsonl and checkpoint.json. */
  out: string;
}

export const trainDefaults = {
  model: "bmlp",
  optimizer: "bamsprod",
  epochs: 5,
  batchSize: 128,
  seed: 1,
  trainSize: 0,
  lrSchedule: "cosine",
} as const;

export function validateTrainConfig(c: TrainConfig): void {
  const positiveInts: Array<[string, number]> = [
    ["epochs", c.epochs],
    ["batchSize", c.batchSize],
  ];
  for (const [name, v] of positiveInts) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new BamsprodError(`${name} must be a positive integer, got ${show(v)}`);
    }
  }
  const nonNegativeInts: Array<[string, number]> = [
    ["seed", c.seed],
    ["valSize", c.valSize ?? 0],
    ["trainSize", c.trainSize],
  ];
  for (const [name, v] of nonNegativeInts) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new BamsprodError(`${name} must be a non-negative integer, got ${show(v)}`);
    }
  }
  if (!(modelNames as readonly string[]).includes(c.model)) {
    throw new BamsprodError(`unknown model ${show(c.model)}; use one of ${modelNames.join(", ")}`);
  }
  if (c.out.trim() === "") throw new BamsprodError("the output directory must not be empty");
}
