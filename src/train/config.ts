/**
 * The configuration of one training run, validated in one place so the CLI and the library
 * reject the same bad values with the same messages.
 */
import { BamsprodError, show } from "../util/errors.js";
import type { MonitorName } from "./callbacks.js";

export interface TrainConfig {
  /** A built-in model name (bmlp, bcnn, mlp, cnn, birealnet, reactnet) or a model file FILE.json. */
  model: string;
  /** Channels of birealnet's and reactnet's stem and first stage (default 32); those models only. */
  width?: number;
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
  /** The data (see src/data/detect.ts): a directory or file; default: Fashion-MNIST (installed, else the embedded subset). */
  data?: string;
  /** Per-image shape [C, H, W] of CSV data. */
  imageShape?: [number, number, number];
  /** Random crop with zero padding and horizontal flip of the training images. */
  augment?: { padding: number; flip: boolean } | null;
  /** Evaluate on the validation split every this many steps too (recorded in metrics.jsonl's `evals`). */
  evalEvery?: number;
  /** Those evaluations use a fixed seeded subset of this many validation images (default: all). */
  evalSize?: number;
  /** Evaluate the test set after every epoch too (else once at the end). */
  testEveryEpoch?: boolean;
  /** Metric watched by earlyStopping, saveBest and reduceLrPatience. Default val_accuracy. */
  monitor?: MonitorName;
  /** Stop when the monitored metric has not improved for this many epochs. */
  earlyStopping?: number;
  /** Keep the best model (by the monitored metric) in OUT/best.json and end with its weights. */
  saveBest?: boolean;
  /** Multiply the learning rate by reduceLrFactor after this many epochs without improvement. */
  reduceLrPatience?: number;
  reduceLrFactor?: number;
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
    ["width", c.width ?? 1],
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
  if (c.out.trim() === "") throw new BamsprodError("the output directory must not be empty");
}
