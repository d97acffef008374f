/** Shared fixtures of the export tests: trained and randomized models, reference logits. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir, loadFashionMnist, type ImageSet } from "../../src/data/index.js";
import { BatchNorm, buildModel, QuantConv2D, QuantDense, type Sequential } from "../../src/nn/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { train } from "../../src/train/index.js";
import { Rng } from "../../src/util/random.js";

/** Trains bmlp for one epoch on 512 embedded images (a few seconds); returns the checkpoint directory. */
export async function trainedBmlpDir(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "bamsprod-export-"));
  await train({
    model: "bmlp",
    optimizer: "bamsprod",
    optimizerOptions: {},
    epochs: 1,
    batchSize: 64,
    seed: 1,
    valSize: 500,
    trainSize: 512,
    lrSchedule: "constant",
    data: embeddedSubsetDir(),
    out,
  });
  return out;
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
