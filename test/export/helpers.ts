/** Shared fixtures of the export tests: trained and randomized models, reference logits. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir, loadFashionMnist, type ImageSet } from "../../src/data/index.js";
import {
  Activation,
  BatchNorm,
  buildModel,
  Dropout,
  Flatten,
  MaxPool2D,
  QuantConv2D,
  QuantDense,
  Rescale,
  Sequential,
} from "../../src/nn/index.js";
import { getBackend, portableBackend, setBackend, type Backend } from "../../src/kernels/index.js";
import { chooseBackend } from "../../src/kernels/select.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { train } from "../../src/train/index.js";
import { Rng } from "../../src/util/random.js";

/**
 * Trains a built-in model for one epoch on `trainSize` images (the installed dataset unless
 * `dataDir` says otherwise); returns the checkpoint directory.
 */
export async function trainedCheckpoint(
  model: "bmlp" | "bcnn" | "birealnet" | "reactnet",
  trainSize: number,
  options: { seed?: number; dataDir?: string } = {},
): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `bamsprod-export-${model}-`));
  await train({
    model,
    optimizer: "bamsprod",
    optimizerOptions: {},
    epochs: 1,
    batchSize: 64,
    seed: options.seed ?? 2,
    valSize: 500,
    trainSize,
    lrSchedule: "constant",
    ...(options.dataDir === undefined ? {} : { data: options.dataDir }),
    out,
  });
  return out;
}

/** The slow whole-test-set checks' models, each with the training subset it trains on briefly. */
export const exactCases = [
  ["bmlp", 5000],
  ["bcnn", 1000],
  ["birealnet", 1000],
  ["reactnet", 1000],
] as const;

/**
 * Checkpoint directories named by BAMSPROD_EXACT_CHECKPOINTS=dir,dir (trained runs a slow test
 * checks instead of training its own), by model name.
 */
export function givenCheckpoints(): Map<string, string> {
  const dirs = (process.env.BAMSPROD_EXACT_CHECKPOINTS ?? "").split(",").filter((d) => d !== "");
  return new Map(dirs.map((dir) => [loadModelFromCheckpoint(dir).model.name, dir]));
}

/** Trains bmlp for one epoch on 512 embedded images (a few seconds); returns the checkpoint directory. */
export function trainedBmlpDir(): Promise<string> {
  return trainedCheckpoint("bmlp", 512, { seed: 1, dataDir: embeddedSubsetDir() });
}

let cachedTest: ImageSet | null = null;

/** Fashion-MNIST test images: the installed dataset, else the embedded subset. */
export function testImages(): ImageSet {
  cachedTest ??= loadFashionMnist().test;
  return cachedTest;
}

/** The first `count` test images as raw bytes. */
export function firstImages(count: number): { images: Uint8Array; labels: Uint8Array; count: number } {
  const set = testImages();
  const n = Math.min(count, set.count);
  const pixels = set.shape[0] * set.shape[1] * set.shape[2];
  return { images: set.images.subarray(0, n * pixels), labels: set.labels.subarray(0, n), count: n };
}

/** Evaluation-mode logits of the training engine, in batches of `batch` images (like evaluate()). */
export function referenceLogits(
  model: Sequential,
  images: Uint8Array,
  count: number,
  batch = 500,
): Float32Array {
  const pixels = model.inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count * model.classes);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = Float32Array.from(images.subarray(start * pixels, (start + n) * pixels));
    const y = model.forward(new Tensor(x, [n, ...model.inputShape]), { training: false, rng: new Rng(0) });
    out.set(y.data, start * model.classes);
  }
  return out;
}

/** The native backend when its addon loads here, else null. */
export function nativeBackendOrNull(): Backend | null {
  try {
    return chooseBackend({ BAMSPROD_KERNELS: "native" }).backend;
  } catch {
    return null;
  }
}

/**
 * The reference of a packed model whose real-valued layers feed the residual stream or the
 * logits: evaluation mode on the portable kernels, the fixed summation order the packed model
 * keeps for such layers whatever kernels are in use (docs/format.md).
 */
export function portableReferenceLogits(model: Sequential, images: Uint8Array, count: number): Float32Array {
  const before = getBackend();
  setBackend(portableBackend);
  try {
    return referenceLogits(model, images, count);
  } finally {
    setBackend(before);
  }
}

/** Index of the largest value of each row (first on ties). */
export function argmax(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let r = 0; r < out.length; r++) {
    for (let k = 1; k < classes; k++) if (logits[r * classes + k] > logits[r * classes + out[r]]) out[r] = k;
  }
  return out;
}

/** Indices where two float arrays differ bit for bit (Object.is: -0 and NaN are told apart). */
export function bitDifferences(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

/**
 * Gives every batch-norm trained-looking statistics so that thresholds land inside the range of
 * the sums: means around 0 with the spread of a fan-in-K sum, variances ~ K, gammas of both
 * signs, and the edge cases gamma = 0 (constant sign) and gamma < 0 (flipped comparison) on
 * the first channels.
 */
export function randomizeBatchNorms(model: Sequential, seed: number): void {
  const rng = new Rng(seed);
  let fanIn = 1;
  for (const layer of model.layers) {
    if (layer instanceof QuantDense) fanIn = layer.parameters()[0].tensor.shape[1];
    if (layer instanceof QuantConv2D) fanIn = layer.parameters()[0].tensor.size / layer.filters;
    if (!(layer instanceof BatchNorm)) continue;
    const param = (suffix: string): Float32Array =>
      layer.parameters().find((p) => p.name.endsWith(suffix))?.tensor.data ?? new Float32Array(mean.length);
    const [mean, variance] = layer.buffers().map((b) => b.data);
    const [gamma, beta] = [param("/gamma"), param("/beta")]; // scratch arrays when the layer has none
    const spread = Math.sqrt(fanIn);
    for (let c = 0; c < mean.length; c++) {
      gamma[c] = c === 0 ? 0 : c === 1 ? -0.7 : (rng.uniform() - 0.3) * 2;
      beta[c] = c === 0 ? -0.25 : (rng.uniform() - 0.5) * 2;
      mean[c] = (rng.uniform() - 0.5) * spread;
      variance[c] = fanIn * (0.2 + rng.uniform());
    }
  }
}

/** A built-in model with seeded random weights and randomized batch-norms (no training needed). */
export function randomModel(name: "bmlp" | "bcnn", seed: number): Sequential {
  const model = buildModel(name, { seed });
  randomizeBatchNorms(model, seed + 1000);
  return model;
}

/**
 * A model exercising the odd corners of the packed format: 40 channels (a partial bit word),
 * stride 2, asymmetric padding, biases, a float kernel, an explicit sign activation.
 */
export function oddModel(): Sequential {
  const layers = [
    new Rescale({ mean: 0.3, std: 0.4 }),
    new QuantConv2D({
      filters: 40,
      kernelSize: 3,
      padding: "same",
      kernelQuantizer: "ste_sign",
      useBias: false,
    }),
    new BatchNorm(),
    new QuantConv2D({
      filters: 8,
      kernelSize: [3, 2],
      strides: 2,
      padding: [2, 1],
      inputQuantizer: "ste_sign",
      kernelQuantizer: "approx_sign",
      useBias: false,
    }),
    new MaxPool2D({ poolSize: 3, strides: 2 }),
    new BatchNorm({ scale: false }),
    new Activation("ste_sign"),
    new Dropout({ rate: 0.5 }),
    new Flatten(),
    new QuantDense({ units: 16, inputQuantizer: "ste_sign", kernelQuantizer: "swish_sign", useBias: true }),
    new BatchNorm(),
    new QuantDense({ units: 10, inputQuantizer: "ste_sign", kernelQuantizer: null, useBias: true }),
  ];
  const model = new Sequential(layers, { inputShape: [1, 28, 28], classes: 10, seed: 4 });
  randomizeBatchNorms(model, 77);
  for (const p of model.parameters())
    if (p.name.endsWith("/bias")) p.tensor.data.forEach((_, i, a) => (a[i] = (i % 7) - 3.25));
  return model;
}

/**
 * A binary convolution's signs, pooled to 14x14 and then convolved to 7x7 with 32 channels,
 * read by a binary dense layer: 49 words per image, an odd count that the rows pad.
 */
export function pixelRowsModel(): Sequential {
  const signs = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false } as const;
  const model = new Sequential(
    [
      new Rescale({ mean: 0.3, std: 0.4 }),
      new QuantConv2D({
        filters: 32,
        kernelSize: 3,
        padding: "same",
        kernelQuantizer: "ste_sign",
        useBias: false,
      }),
      new BatchNorm(),
      new QuantConv2D({ filters: 32, kernelSize: 3, padding: "same", ...signs }),
      new MaxPool2D({ poolSize: 2, strides: 2 }),
      new BatchNorm(),
      new QuantConv2D({ filters: 32, kernelSize: 2, strides: 2, ...signs }),
      new BatchNorm(),
      new Flatten(),
      new QuantDense({ units: 10, ...signs }),
      new BatchNorm(),
    ],
    { inputShape: [1, 28, 28], classes: 10, seed: 12 },
  );
  randomizeBatchNorms(model, 13);
  return model;
}
