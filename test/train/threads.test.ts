/**
 * Same seed, same bits, whatever the thread count (docs/performance.md, "Reproducibility"):
 * bmlp and bcnn trained a few steps on the native kernels at 1, 2 and 3 threads end with
 * identical parameters, batch-norm statistics, optimizer state and metrics, and their packed
 * models give identical logits. Small batches keep it to seconds, yet every threaded path runs:
 * GEMMs large enough to be cut into blocks, the per-image convolution split, the filter
 * gradient's partial sums, batch-norm, the fused optimizer's block sums and the XNOR products.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { embeddedSubsetDir, loadFashionMnist, selectImages, type ImageSet } from "../../src/data/index.js";
import { compileModel, PackedModel } from "../../src/export/index.js";
import { getBackend, setBackend, type Backend } from "../../src/kernels/index.js";
import { chooseBackend } from "../../src/kernels/select.js";
import { loadAddon } from "../../src/kernels/native/addon.js";
import { buildModel } from "../../src/nn/index.js";
import { createOptimizer } from "../../src/optim/index.js";
import { fit } from "../../src/train/fit.js";

const THREADS = [1, 2, 3] as const;

interface Outcome {
  tensors: Record<string, Float32Array>;
  optimizerState: string;
  metrics: unknown[];
  test: unknown;
  packedLogits: Float32Array;
}

function firstImages(set: ImageSet, count: number): ImageSet {
  return selectImages(
    set,
    Array.from({ length: count }, (_, i) => i),
  );
}

/** Trains `name` one epoch of `steps` batches of `batch` images on `threads` threads. */
async function trainOn(
  name: "bmlp" | "bcnn",
  threads: number,
  data: { train: ImageSet; test: ImageSet },
  batch: number,
): Promise<Outcome> {
  setBackend(chooseBackend({ BAMSPROD_KERNELS: "native", BAMSPROD_THREADS: String(threads) }).backend);
  const model = buildModel(name, { seed: 11 });
  const optimizer = createOptimizer("bamsprod", {});
  const result = await fit(
    model,
    { train: data.train, validation: data.test, test: data.test },
    { optimizer, epochs: 1, batchSize: batch, schedule: "constant", seed: 3 },
  );
  const packed = new PackedModel(compileModel(model));
  return {
    tensors: Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.slice()])),
    optimizerState: JSON.stringify(optimizer.stateDict()),
    // Everything but the wall-clock seconds.
    metrics: result.history.map(({ seconds: _, ...rest }) => rest),
    test: result.test,
    packedLogits: packed.logits(data.test.images, data.test.count),
  };
}

function assertSameBits(a: Outcome, b: Outcome, what: string): void {
  assert.deepEqual(Object.keys(b.tensors), Object.keys(a.tensors));
  for (const [key, values] of Object.entries(a.tensors)) {
    const other = b.tensors[key];
    const differ = values.findIndex((v, i) => !Object.is(v, other[i]));
    assert.equal(differ, -1, `${what}: ${key}[${differ}] is ${values[differ]} vs ${other[differ]}`);
  }
  assert.equal(b.optimizerState, a.optimizerState, `${what}: optimizer state`);
  assert.deepEqual(b.metrics, a.metrics, `${what}: metrics`);
  assert.deepEqual(b.test, a.test, `${what}: test evaluation`);
  const differ = a.packedLogits.findIndex((v, i) => !Object.is(v, b.packedLogits[i]));
  assert.equal(differ, -1, `${what}: packed logit ${differ}`);
}

const load = loadAddon();
const skip = load.addon === null ? `native addon unavailable: ${load.reason}` : false;

describe("native training gives the same bits at 1, 2 and 3 threads", { skip }, () => {
  let previous: Backend;
  let data: { train: ImageSet; test: ImageSet };
  before(() => {
    previous = getBackend();
    const sets = loadFashionMnist({ dataDir: embeddedSubsetDir() });
    data = { train: firstImages(sets.train, 96), test: firstImages(sets.test, 64) };
  });
  after(() => setBackend(previous));

  // Batches of 32: bmlp's first product (32 x 512 x 784) and its weight gradient are cut
  // into blocks; bcnn's 28x28 maps go one image per task, its dense product too.
  for (const [name, batch] of [
    ["bmlp", 32],
    ["bcnn", 32],
  ] as const) {
    test(`${name}: parameters, optimizer state, metrics and packed logits`, async () => {
      const outcomes: Outcome[] = [];
      for (const threads of THREADS) outcomes.push(await trainOn(name, threads, data, batch));
      assert.ok(outcomes[0].metrics.length === 1 && Object.keys(outcomes[0].tensors).length > 0);
      for (let i = 1; i < THREADS.length; i++) {
        assertSameBits(outcomes[0], outcomes[i], `${name}, ${THREADS[i]} threads vs 1`);
      }
    });
  }
});
