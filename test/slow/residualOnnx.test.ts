/**
 * ONNX export of trained residual models: onnxruntime-web predicts what bamsprod predicts on
 * 1,000 Fashion-MNIST test images, for birealnet and reactnet (trained briefly here, or the
 * checkpoints named by BAMSPROD_EXACT_CHECKPOINTS=dir,dir).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import { compileModel, encodePacked, exportOnnx, loadPacked } from "../../src/export/index.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { train } from "../../src/train/index.js";
import { firstImages, givenCheckpoints } from "../export/helpers.js";

ort.env.wasm.numThreads = 1;
ort.env.logLevel = "error";

async function checkpointOf(model: "birealnet" | "reactnet"): Promise<string> {
  const given = givenCheckpoints().get(model);
  if (given !== undefined) return given;
  const out = mkdtempSync(join(tmpdir(), `bamsprod-onnx-${model}-`));
  const optimizerOptions = {};
  await train({
    model,
    optimizer: "bamsprod",
    optimizerOptions,
    epochs: 1,
    batchSize: 64,
    seed: 3,
    valSize: 500,
    trainSize: 1000,
    lrSchedule: "constant",
    out,
  });
  return out;
}

for (const name of ["birealnet", "reactnet"] as const) {
  test(`${name}: onnxruntime-web predicts what the packed model predicts on 1000 test images`, async (t) => {
    const { model } = loadModelFromCheckpoint(await checkpointOf(name));
    const spec = compileModel(model);
    const { images, count } = firstImages(1000);
    const session = await ort.InferenceSession.create(exportOnnx(spec), { executionProviders: ["wasm"] });
    const pixels = new ort.Tensor("float32", Float32Array.from(images), [count, ...spec.inputShape]);
    const out = await session.run({ pixels });
    const theirs = Array.from(out.class.data as BigInt64Array, Number);
    const ours = Array.from(loadPacked(encodePacked(spec)).predict(images, count));
    const differ = ours.filter((c, i) => c !== theirs[i]).length;
    t.diagnostic(`${name}: ${count} images, ${differ} different predictions`);
    assert.equal(differ, 0);
  });
}
