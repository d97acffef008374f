import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir, type ImageSet } from "../../src/data/index.js";
import { Rng } from "../../src/util/random.js";
import type { TrainConfig } from "../../src/train/index.js";

/** A small, quick configuration on the embedded Fashion-MNIST subset. */
export function quickConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    model: "bmlp",
    optimizer: "bamsprod",
    optimizerOptions: {},
    epochs: 2,
    batchSize: 32,
    seed: 7,
    valSize: 500,
    trainSize: 384,
    lrSchedule: "constant",
    data: embeddedSubsetDir(),
    out: mkdtempSync(join(tmpdir(), "bamsprod-train-")),
    ...overrides,
  };
}

/** Two classes of 1x4x4 images: bright left half (0) or bright right half (1), with noise. */
export function halves(count: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 16);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 16; p++) {
      const bright = p % 4 < 2 === (labels[i] === 0);
      images[i * 16 + p] = Math.floor((bright ? 150 : 50) + 100 * rng.uniform());
    }
  }
  return { images, labels, count, shape: [1, 4, 4], classes: 2, classNames: ["left", "right"] };
}
