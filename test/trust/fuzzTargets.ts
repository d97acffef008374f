/**
 * The inputs the fuzz test mutates, built small so that hundreds of cases run in seconds, and
 * for each the way it is loaded and used. A target returns normally (success, results checked
 * finite) or throws; the harness decides whether the throw was a clean one-line error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeIdxImages, encodeIdxLabels, readIdxImages, readIdxLabels } from "../../src/data/index.js";
import { compileModel, crc32, encodePacked, loadPacked } from "../../src/export/index.js";
import { HEADER_BYTES } from "../../src/export/format.js";
import { buildModel, modelFromConfig, type Sequential } from "../../src/nn/index.js";
import { createOptimizer, type OptimizerStateDict } from "../../src/optim/index.js";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  loadModelFile,
  restoreModel,
  saveModelFile,
  type CheckpointState,
} from "../../src/train/index.js";
import { Rng } from "../../src/util/random.js";
import { BamsprodError } from "../../src/util/errors.js";

export interface Target {
  name: string;
  /** The valid input, as bytes. */
  bytes: Uint8Array;
  /** True for JSON inputs (mutated structurally too). */
  json: boolean;
  /** Loads and uses (mutated) bytes; throws on refusal; checks that every result is finite. */
  use(bytes: Uint8Array): void;
}

const INPUT: [number, number, number] = [1, 4, 4];

function allFinite(arrays: Iterable<Float32Array>, what: string): void {
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new Error(`NON-FINITE RESULT: ${what} holds ${a[i]} at ${i}`);
    }
  }
}

/** A small model after one optimizer step, and the checkpoint of that state (format 2). */
function trainedState(): { model: Sequential; state: CheckpointState } {
  const model = buildModel("bmlp", { inputShape: INPUT, classes: 10, seed: 5 });
  const optimizer = createOptimizer("bamsprod", {});
  const rng = new Rng(9);
  const params = model.parameters().map((p) => ({
    name: p.name,
    value: p.tensor.data,
    grad: Float32Array.from(p.tensor.data, () => rng.normal() * 0.01),
    binary: p.binary,
  }));
  optimizer.step(params);
  const fit = {
    optimizer: "bamsprod",
    optimizerOptions: { ...optimizer.options },
    epochs: 2,
    batchSize: 32,
    seed: 5,
    schedule: "constant",
    augment: null,
  };
  const state: CheckpointState = {
    fit,
    config: null,
    model: model.config(),
    classNames: null,
    data: { shape: INPUT, classes: 10, trainCount: 64, testCount: 16, hash: "0".repeat(32) },
    progress: { epoch: 0, batch: 1, lossSum: 70, correct: 3, seen: 32, flipSum: 0.1, steps: 1, seconds: 0.1 },
    step: 1,
    history: [],
    tensors: model.stateDict(),
    optimizer: optimizer.stateDict(),
    rng: rng.getState(),
    lrScale: 1,
    stopReason: null,
    test: null,
  };
  return { model, state };
}

/** A .bnn file around `payload`, with a header whose length and CRC-32 match it. */
function sealed(bnn: Uint8Array, payload: Uint8Array): Uint8Array {
  const file = new Uint8Array(HEADER_BYTES + payload.length);
  file.set(bnn.subarray(0, HEADER_BYTES));
  file.set(payload, HEADER_BYTES);
  const view = new DataView(file.buffer);
  view.setUint32(12, payload.length, true);
  view.setUint32(16, crc32(payload), true);
  return file;
}

/** Steps a loaded optimizer once more with small finite gradients: finite results or a refusal. */
function stepOnce(
  optimizerName: string,
  dict: OptimizerStateDict,
  tensors: Record<string, Float32Array>,
): void {
  const optimizer = createOptimizer(optimizerName, {});
  optimizer.loadStateDict(dict);
  const params = (dict.tensors ?? []).map((record, i) => ({
    name: record.name ?? `t${i}`,
    value: tensors[`param:${record.name}`]?.slice() ?? new Float32Array(record.length),
    grad: new Float32Array(record.length).fill(1e-3),
    binary: record.binary,
  }));
  if (params.length === 0) return;
  optimizer.step(params);
  allFinite(
    params.map((p) => p.value),
    "a parameter after a step",
  );
}

export function targets(dir: string): Target[] {
  const { model, state } = trainedState();
  const checkpoint = Buffer.from(encodeCheckpoint(state));
  const bnn = encodePacked(compileModel(model, {}));
  const images = new Uint8Array(4 * 16).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array([1, 2, 3, 4]);
  const set = { images, labels, count: 4, shape: INPUT, classes: 10 };
  const file = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const modelFile = join(dir, "model.json");
  saveModelFile(modelFile, model);
  return [
    {
      name: "checkpoint",
      bytes: checkpoint,
      json: true,
      use(bytes) {
        const loaded = decodeCheckpoint(bytes, "fuzzed checkpoint");
        const m = modelFromConfig(loaded.model, { source: "fuzzed checkpoint" });
        restoreModel(m, loaded, "fuzzed checkpoint");
        allFinite(Object.values(m.stateDict()), "a model tensor");
        stepOnce(loaded.fit.optimizer, loaded.optimizer, m.stateDict());
      },
    },
    {
      name: "optimizer state",
      bytes: Buffer.from(JSON.stringify(state.optimizer)),
      json: true,
      use(bytes) {
        let dict: OptimizerStateDict;
        try {
          dict = JSON.parse(Buffer.from(bytes).toString("utf8")) as OptimizerStateDict;
        } catch {
          throw new BamsprodError("not JSON"); // what a caller's JSON.parse would refuse
        }
        stepOnce("bamsprod", dict, state.tensors);
      },
    },
    {
      name: "model file",
      bytes: readFileSync(modelFile),
      json: true,
      use(bytes) {
        const { model: m } = loadModelFile(file("fuzzed-model.json", bytes));
        allFinite(Object.values(m.stateDict()), "a model tensor");
      },
    },
    {
      name: ".bnn",
      bytes: bnn,
      json: false,
      use(bytes) {
        const packed = loadPacked(bytes, "fuzzed.bnn");
        allFinite([packed.logits(images, 4)], "the logits");
      },
    },
    {
      // The payload mutated behind a valid header, so that the checks after the CRC are reached.
      name: ".bnn payload",
      bytes: bnn.slice(HEADER_BYTES),
      json: false,
      use(bytes) {
        const packed = loadPacked(sealed(bnn, bytes), "fuzzed.bnn");
        allFinite([packed.logits(images, 4)], "the logits");
      },
    },
    {
      name: "IDX images",
      bytes: encodeIdxImages(set),
      json: false,
      use(bytes) {
        const read = readIdxImages(file("images", bytes));
        if (read.pixels.length !== read.count * read.rows * read.cols) throw new Error("WRONG SIZE");
      },
    },
    {
      name: "IDX labels",
      bytes: encodeIdxLabels(labels),
      json: false,
      use(bytes) {
        readIdxLabels(file("labels", bytes));
      },
    },
  ];
}
