import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedSubsetDir } from "../../src/data/index.js";
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
