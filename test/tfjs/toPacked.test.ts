/**
 * `bamsprod export --tfjs model.json`: a tfjs model built from bamsprod/tfjs layers, saved
 * with model.save, converts to the packed format; the packed model predicts the class tfjs
 * predicts on every test image used, with logits within a stated bound (the binary decisions
 * are tfjs's own, measured; the real-valued first layer and the logits' batch-norm round in
 * their own order). Unsupported layers are an error naming the layer.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadPacked, tfjsFileSaver } from "../../src/export/index.js";
import { QuantConv2D, QuantDense } from "../../src/tfjs/index.js";
import { Rng } from "../../src/util/random.js";
import { isCleanError, runCli } from "../cli/helpers.js";
import { firstImages } from "../export/helpers.js";
import { useBackend } from "./helpers.js";

before(useBackend);

/** The packed logits' agreement with tfjs's: |difference| <= LOGIT_BOUND * max(1, |tfjs logit|). */
const LOGIT_BOUND = 1e-5;

const binary = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false } as const;

function convNet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.rescaling({ inputShape: [28, 28, 1], scale: 1 / 255 }),
      new QuantConv2D({
        filters: 8,
        kernelSize: 3,
        padding: "same",
        kernelQuantizer: "ste_sign",
        useBias: false,
      }),
      tf.layers.batchNormalization(),
      new QuantConv2D({ filters: 40, kernelSize: 3, ...binary }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization(),
      new QuantConv2D({ filters: 16, kernelSize: 3, strides: 2, padding: "same", ...binary }),
      tf.layers.batchNormalization({ center: false }),
      tf.layers.flatten(),
      new QuantDense({ units: 32, ...binary }),
      tf.layers.batchNormalization(),
      tf.layers.dropout({ rate: 0.3 }),
      new QuantDense({ units: 10, ...binary, useBias: true }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: "softmax" }),
    ],
  });
}

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      new QuantDense({ inputShape: [784], units: 64, kernelQuantizer: "ste_sign", useBias: false }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      new QuantDense({ units: 10, ...binary }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
    ],
  });
}

/** Trained-looking weights: seeded kernels, batch-norm statistics spread like the sums they see. */
function randomize(model: tf.Sequential, seed: number): void {
  const rng = new Rng(seed);
  let fanIn = 1;
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    if (layer.getClassName() !== "BatchNormalization") {
      fanIn = weights[0].size / weights[0].shape[weights[0].shape.length - 1];
      layer.setWeights(
        weights.map((w) =>
          tf.tensor(
            Float32Array.from({ length: w.size }, () => rng.uniform() - 0.5),
            w.shape,
          ),
        ),
      );
      continue;
    }
    const spread = Math.sqrt(fanIn);
    layer.setWeights(
      layer.weights.map((w, i) => {
        const n = weights[i].size;
        const name = w.originalName.split("/").pop();
        const values = Float32Array.from({ length: n }, (_, c) => {
          if (name === "gamma") return c === 1 ? -0.7 : (rng.uniform() - 0.3) * 2;
          if (name === "beta") return (rng.uniform() - 0.5) * 2;
          if (name === "moving_mean") return (rng.uniform() - 0.5) * spread * (fanIn > 100 ? 1 : 0.1);
          return fanIn * (0.2 + rng.uniform()) * (fanIn > 100 ? 1 : 0.01);
        });
        return tf.tensor(values, weights[i].shape);
      }),
    );
  }
}

/** tfjs's logits: the model without its final softmax, if it has one. */
function tfjsLogits(
  model: tf.Sequential,
  images: Uint8Array,
  count: number,
  inputShape: number[],
): Float32Array {
  const lastLayer = model.layers[model.layers.length - 1];
  const logitsModel =
    lastLayer.getClassName() === "Activation"
      ? tf.model({
          inputs: model.inputs,
          outputs: model.layers[model.layers.length - 2].output as tf.SymbolicTensor,
        })
      : model;
  return tf.tidy(() => {
    const x = tf.tensor(Float32Array.from(images), [count, ...inputShape]);
    return (logitsModel.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

const cases: Array<[string, () => tf.Sequential, number[]]> = [
  [
    "binary CNN (rescaling, same/valid padding, stride 2, 40 channels, pooling, dropout, bias, softmax)",
    convNet,
    [28, 28, 1],
  ],
  ["binary MLP (the README's)", mlp, [784]],
];

for (const [name, make, inputShape] of cases) {
  test(`--tfjs, ${name}: packed classes equal tfjs's on 300 test images, logits within ${LOGIT_BOUND}`, async () => {
    const model = make();
    randomize(model, 7);
    const dir = mkdtempSync(join(tmpdir(), "bamsprod-tfjs-"));
    await model.save(tfjsFileSaver(join(dir, "saved")));
    const out = join(dir, "model.bnn");
    const r = runCli(["export", "--tfjs", join(dir, "saved", "model.json"), "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    const packed = loadPacked(readFileSync(out));
    const { images, count } = firstImages(300);
    const expected = tfjsLogits(model, images, count, inputShape);
    const ours = packed.logits(images, count);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
    }
    assert.ok(worst <= LOGIT_BOUND, `worst relative logit difference ${worst}`);
    const tfjsClasses = tf.tidy(() => tf.argMax(tf.tensor(expected, [count, 10]), 1).dataSync());
    assert.deepEqual(Array.from(packed.predict(images, count)), Array.from(tfjsClasses));
    assert.ok(new Set(tfjsClasses).size > 1, "the model is not constant");
  });
}

test("--tfjs with a layer the packed format lacks: an error naming the layer; other bad input", async () => {
  const model = tf.sequential({
    layers: [
      new QuantDense({ inputShape: [784], units: 16, kernelQuantizer: "ste_sign" }),
      tf.layers.activation({ activation: "relu", name: "my_relu" }),
      new QuantDense({ units: 10, ...binary }),
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-tfjs-bad-"));
  await model.save(tfjsFileSaver(dir));
  const cases: Array<[string[], RegExp]> = [
    [
      ["--tfjs", join(dir, "model.json")],
      /cannot convert layer "my_relu" \(Activation\): activation "relu" has no packed form/,
    ],
    [["--tfjs", join(dir, "weights.bin")], /--tfjs ".*weights\.bin" is not JSON/],
    [
      ["--tfjs", join(dir, "none.json")],
      /cannot read --tfjs ".*none\.json": no such file or directory \(ENOENT\)/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runCli(["export", ...args, "--out", join(dir, "m.bnn")]);
    assert.ok(isCleanError(r), r.stderr);
    assert.match(r.stderr, message);
  }
});
