/**
 * A small tfjs model built from QuantDense layers trains with model.fit and BAMSProd on a
 * slice of Fashion-MNIST (the subset embedded in the repository, so the test runs anywhere),
 * and a saved model with its optimizer state loads again and continues training exactly.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { embeddedSubsetDir, loadFashionMnist, type ImageSet } from "../../src/data/index.js";
import { Rng } from "../../src/util/random.js";
import { BAMSProd, isRegisteredBinary, QuantConv2D, QuantDense } from "../../src/tfjs/index.js";
import { assertAllClose, backend, useBackend } from "./helpers.js";

before(useBackend);

type ModelArtifacts = Parameters<typeof tf.io.fromMemory>[0];

/**
 * `count` seeded-random images of `set`, 2x2-average-pooled to 14x14 (four times less work for
 * the slow tfjs CPU backend), as x [count, 196] in [-1, 1] and one-hot y.
 */
function slice(set: ImageSet, count: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const order = new Rng(seed).shuffle(Array.from({ length: set.count }, (_, i) => i)).slice(0, count);
  const x = new Float32Array(count * 196);
  order.forEach((src, i) => {
    const image = set.images.subarray(src * 784, (src + 1) * 784);
    for (let r = 0; r < 14; r++) {
      for (let c = 0; c < 14; c++) {
        const at = 2 * r * 28 + 2 * c;
        const sum = image[at] + image[at + 1] + image[at + 28] + image[at + 29];
        x[i * 196 + r * 14 + c] = sum / 510 - 1;
      }
    }
  });
  const labels = tf.tensor1d(
    order.map((src) => set.labels[src]),
    "int32",
  );
  const y = tf.oneHot(labels, 10) as tf.Tensor2D;
  labels.dispose();
  return { x: tf.tensor2d(x, [count, 196]), y };
}

/** 196 -> 64 -> 10 binary MLP: real input, binary kernels, binary activations after the first layer. */
function binaryMlp(seed: number): tf.Sequential {
  const init = (s: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed: s });
  return tf.sequential({
    layers: [
      new QuantDense({
        inputShape: [196],
        units: 64,
        kernelQuantizer: "ste_sign",
        useBias: false,
        kernelInitializer: init(seed),
      }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      new QuantDense({
        units: 10,
        inputQuantizer: "ste_sign",
        kernelQuantizer: "ste_sign",
        useBias: false,
        kernelInitializer: init(seed + 1),
      }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.activation({ activation: "softmax" }),
    ],
  });
}

function compile(model: tf.LayersModel, optimizer: tf.Optimizer): void {
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
}

async function saveToMemory(model: tf.LayersModel, includeOptimizer: boolean): Promise<ModelArtifacts> {
  let artifacts: ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
    { includeOptimizer },
  );
  assert.ok(artifacts !== null);
  return artifacts;
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

test("QuantDense + BAMSProd: model.fit learns Fashion-MNIST far above chance; save/load continues exactly", async () => {
  const data = loadFashionMnist({ dataDir: embeddedSubsetDir() });
  const train = slice(data.train, 1000, 1);
  const testSet = slice(data.test, 500, 2);
  const model = binaryMlp(3);
  compile(model, new BAMSProd({ lr: 0.01 }));
  const fitArgs = { epochs: 3, batchSize: 50, shuffle: false, verbose: 0 } as const;
  const history = await model.fit(train.x, train.y, fitArgs);
  const losses = history.history.loss as number[];
  const [, accuracy] = (model.evaluate(testSet.x, testSet.y) as tf.Scalar[]).map((s) => s.dataSync()[0]);
  // Chance is 10% (10 balanced classes).
  assert.ok(accuracy > 0.6, `test accuracy ${accuracy} (losses ${losses.join(", ")})`);
  assert.ok(losses[2] < losses[0], `loss did not decrease: ${losses.join(", ")}`);
  const kernel = model.layers[0].getWeights()[0];
  assert.ok(isRegisteredBinary(model.layers[0].trainableWeights[0].read() as tf.Variable));
  assert.ok(kernel.abs().max().dataSync()[0] <= 1, "binary latent weights left [-1, 1]");

  const artifacts = await saveToMemory(model, true);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  assert.deepEqual(weightValues(loaded), weightValues(model), "weights differ after loading");
  assert.ok(loaded.layers[0] instanceof QuantDense);
  assert.equal((loaded.layers[2] as QuantDense).inputQuantizer, "ste_sign");
  assert.ok(isRegisteredBinary(loaded.layers[0].trainableWeights[0].read() as tf.Variable));
  const restored = loaded.optimizer as BAMSProd;
  assert.ok(restored instanceof BAMSProd);
  assert.deepEqual(restored.getConfig(), model.optimizer.getConfig());
  assert.equal(restored.iterations, 3 * 20);
  const savedState = (await model.optimizer.getWeights()).map((w) => [...w.tensor.dataSync()]);
  const restoredState = (await restored.getWeights()).map((w) => [...w.tensor.dataSync()]);
  assert.deepEqual(restoredState, savedState, "optimizer state differs after loading");

  // Both continue on the same batches: identical results prove that the moments and the
  // step count were restored, not just the weights.
  const more = { ...fitArgs, epochs: 1 };
  const [xMore, yMore] = [train.x.slice(0, 200), train.y.slice(0, 200)];
  const before = weightValues(model);
  await model.fit(xMore, yMore, more);
  await loaded.fit(xMore, yMore, more);
  assert.notDeepEqual(weightValues(model), before, "training did not continue");
  assert.deepEqual(weightValues(loaded), weightValues(model), "the loaded model continued differently");

  // Contrast: the same weights with a fresh optimizer continue differently.
  const fresh = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(binaryMlp(3), false)));
  fresh.setWeights(loaded.getWeights());
  compile(fresh, new BAMSProd({ lr: 0.01 }));
  const freshStart = weightValues(fresh);
  await fresh.fit(xMore, yMore, more);
  await loaded.fit(xMore, yMore, more);
  assert.notDeepEqual(weightValues(fresh), weightValues(loaded));
  assert.notDeepEqual(weightValues(fresh), freshStart);
  tf.dispose([train.x, train.y, testSet.x, testSet.y, xMore, yMore]);
});

// tfjs 4.22's wasm backend has no Conv2DBackpropFilter kernel, so no convolution trains on it
// (the CPU and WebGL backends have one). In the wasm run this model trains on the CPU backend
// and the reloaded model then predicts on wasm: the deployment path.
test("QuantConv2D model trains with BAMSProd and reloads with identical predictions", async () => {
  const trainingBackend = backend === "wasm" ? "cpu" : backend;
  await tf.setBackend(trainingBackend);
  const rng = new Rng(11);
  // Vertical vs horizontal bars in 8x8 images with noise: a task for convolutions.
  const n = 32;
  const x = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const line = 1 + rng.int(6);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const on = label === 0 ? c === line : r === line;
        x[i * 64 + r * 8 + c] = (on ? 1 : -1) + 0.3 * rng.normal();
      }
    }
    labels.push(label);
  }
  const xs = tf.tensor4d(x, [n, 8, 8, 1]);
  const ys = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
  const model = tf.sequential({
    layers: [
      new QuantConv2D({
        inputShape: [8, 8, 1],
        filters: 8,
        kernelSize: 3,
        padding: "same",
        kernelQuantizer: "magnitude_aware_sign",
        kernelConstraint: "weight_clip",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      }),
      tf.layers.batchNormalization({ momentum: 0.8 }),
      new QuantConv2D({
        filters: 8,
        kernelSize: [3, 3],
        strides: 2,
        inputQuantizer: "approx_sign",
        kernelQuantizer: "ste_sign",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
      }),
      tf.layers.flatten(),
      new QuantDense({
        units: 2,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
      }),
    ],
  });
  assert.deepEqual(model.outputs[0].shape, [null, 2]);
  assert.deepEqual(model.layers[2].outputShape, [null, 3, 3, 8]);
  compile(model, new BAMSProd({ lr: 0.01 }));
  await model.fit(xs, ys, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
  const [, accuracy] = (model.evaluate(xs, ys) as tf.Scalar[]).map((s) => s.dataSync()[0]);
  assert.ok(accuracy > 0.9, `training accuracy ${accuracy} (chance 0.5)`);

  const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model, true)));
  assert.ok(loaded.layers[0] instanceof QuantConv2D);
  const a = (model.predict(xs) as tf.Tensor).dataSync();
  await useBackend();
  const b = (loaded.predict(xs) as tf.Tensor).dataSync();
  if (backend === trainingBackend) assert.deepEqual([...b], [...a]);
  else assertAllClose(b, a, 1e-5, 1e-5, `predictions on ${backend} vs ${trainingBackend}`);
  tf.dispose([xs, ys]);
});
