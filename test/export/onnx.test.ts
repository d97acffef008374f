import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import onnxProto from "onnx-proto";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import {
  compileModel,
  encodePacked,
  exportOnnx,
  loadPacked,
  ONNX_OPSET,
  type PackedSpec,
} from "../../src/export/index.js";
import { firstImages, randomModel, trainedBmlpDir } from "./helpers.js";

ort.env.wasm.numThreads = 1;
ort.env.logLevel = "error";

/** Runs the exported model in onnxruntime-web (wasm backend) on raw pixels. */
async function runOnnx(bytes: Uint8Array, images: Uint8Array, count: number, shape: readonly number[]) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const pixels = new ort.Tensor("float32", Float32Array.from(images), [count, ...shape]);
  const out = await session.run({ pixels });
  return {
    logits: out.logits.data as Float32Array,
    classes: Array.from(out.class.data as BigInt64Array, Number),
    dims: { logits: out.logits.dims, classes: out.class.dims },
  };
}

async function assertSamePredictions(spec: PackedSpec, imageCount: number): Promise<void> {
  const { images, count } = firstImages(imageCount);
  const ours = loadPacked(encodePacked(spec));
  const theirs = await runOnnx(exportOnnx(spec), images, count, spec.inputShape);
  assert.deepEqual(theirs.dims, { logits: [count, spec.classes], classes: [count] });
  assert.deepEqual(theirs.classes, Array.from(ours.predict(images, count)));
  // Same function: the logits agree to float32 rounding of the first layer.
  const mine = ours.logits(images, count);
  let worst = 0;
  for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs.logits[i]));
  assert.ok(worst < 1e-3, `largest logit difference ${worst}`);
}

test("ONNX export of a trained bmlp: onnxruntime-web predicts what the packed model predicts on 300 test images", async () => {
  const { model } = loadModelFromCheckpoint(await trainedBmlpDir());
  await assertSamePredictions(compileModel(model), 300);
});

test("ONNX export of bcnn with randomized batch-norms (negative, zero gamma): same predictions on 100 images", async () => {
  await assertSamePredictions(compileModel(randomModel("bcnn", 8)), 100);
});

test("the ONNX graph is opset 13 with standard operators only, taking raw pixels [N, 1, 28, 28]", () => {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(exportOnnx(compileModel(randomModel("bcnn", 1))));
  assert.deepEqual(
    model.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [["", ONNX_OPSET]],
  );
  assert.equal(ONNX_OPSET, 13);
  const ops = new Set(model.graph?.node?.map((n) => n.opType));
  const standard = [
    "Mul",
    "Add",
    "Cast",
    "Conv",
    "Gemm",
    "MaxPool",
    "Flatten",
    "GreaterOrEqual",
    "Xor",
    "Where",
    "ArgMax",
    "Identity",
  ];
  assert.deepEqual(
    [...ops].filter((op) => !standard.includes(op as string)),
    [],
  );
  const input = model.graph?.input?.[0];
  assert.equal(input?.name, "pixels");
  const dims = input?.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims, ["N", 1, 28, 28]);
  // +-1 kernels travel as int8 (1 byte per weight): about 8x the .bnn, not 32x.
  const onnxBytes = exportOnnx(compileModel(randomModel("bmlp", 1))).length;
  const bnnBytes = encodePacked(compileModel(randomModel("bmlp", 1))).length;
  assert.ok(onnxBytes < 9 * bnnBytes, `${onnxBytes} vs ${bnnBytes}`);
});
