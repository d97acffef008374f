import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/random.js";
import { BamsprodError } from "../../src/util/errors.js";
import {
  Activation,
  AvgPool2D,
  BatchNorm,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  MaxPool2D,
  PReLU,
  Rescale,
  Residual,
} from "../../src/nn/index.js";
import {
  assertClose,
  autogradOf,
  awayFromZero,
  built,
  checkGradients,
  checkLayerGradients,
  evalCtx,
  leaf,
  trainCtx,
  uniform,
} from "./helpers.js";

test("Dense: gradients for input, kernel and bias match finite differences", () => {
  const { layer, params } = built(new Dense({ units: 3 }), [4]);
  params[1].data.set([0.1, -0.2, 0.3]); // non-zero bias
  const x = leaf(uniform(2 * 4, new Rng(5)), [2, 4]);
  assert.deepEqual(layer.outputShape([4]), [3]);
  checkLayerGradients(layer, x, params);
});

test("Conv2D with stride 2 and padding 1: gradients match finite differences", () => {
  const { layer, params } = built(
    new Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 1 }),
    [2, 5, 5],
  );
  params[1].data.set([0.3, -0.4]);
  const x = leaf(uniform(2 * 2 * 5 * 5, new Rng(6)), [2, 2, 5, 5]);
  const y = layer.forward(x, evalCtx());
  assert.deepEqual(y.shape, [2, 2, 3, 3]);
  assert.deepEqual(layer.outputShape([2, 5, 5]), [2, 3, 3]);
  checkLayerGradients(layer, x, params);
});

test("Conv2D 'same' keeps the spatial size and rejects even kernels", () => {
  assert.deepEqual(
    new Conv2D({ filters: 4, kernelSize: 3, padding: "same" }).outputShape([1, 7, 6]),
    [4, 7, 6],
  );
  assert.deepEqual(
    new Conv2D({ filters: 4, kernelSize: [1, 5], padding: "same" }).outputShape([1, 7, 6]),
    [4, 7, 6],
  );
  assert.throws(() => new Conv2D({ filters: 4, kernelSize: 2, padding: "same" }), BamsprodError);
});

test("BatchNorm in training mode: gradients through the batch statistics match finite differences", () => {
  for (const shape of [[3], [2, 2, 3]]) {
    const { layer, params } = built(new BatchNorm(), shape);
    params[0].data.set(shape[0] === 3 ? [1.5, 0.5, -1] : [0.7, 1.3]);
    params[1].data.set(shape[0] === 3 ? [0.1, 0, -0.2] : [0.2, -0.1]);
    const x = leaf(uniform(4 * shape.reduce((a, b) => a * b), new Rng(7), -2, 2), [4, ...shape]);
    checkLayerGradients(layer, x, params, trainCtx);
  }
});

test("BatchNorm updates its moving statistics in training and uses them in evaluation", () => {
  const { layer, params } = built(new BatchNorm({ momentum: 0.9 }), [1]);
  const x = Tensor.from([1, 2, 3, 6], [4, 1]);
  layer.forward(x, trainCtx());
  const [mean, variance] = layer.buffers().map((b) => b.data);
  // batch mean 3, unbiased variance (4 + 1 + 0 + 9) / 3 = 14/3
  assertClose(mean, [0.9 * 0 + 0.1 * 3]);
  assertClose(variance, [0.9 * 1 + (0.1 * 14) / 3]);
  const y = layer.forward(Tensor.from([1], [1, 1]), evalCtx());
  assertClose(y.data, [(1 - mean[0]) / Math.sqrt(variance[0] + 1e-3)], 1e-5);
  assert.deepEqual(
    layer.parameters().map((p) => p.name),
    ["/gamma", "/beta"],
  );
  void params;
});

test("BatchNorm with scale: false, center: false has no parameters and normalizes to zero mean, unit variance", () => {
  const { layer, params } = built(new BatchNorm({ scale: false, center: false }), [1]);
  assert.equal(params.length, 0);
  const y = layer.forward(Tensor.from([1, 3], [2, 1]), trainCtx());
  // mean 2, biased variance 1: (x - 2) / sqrt(1 + 1e-3)
  assertClose(y.data, [-1 / Math.sqrt(1.001), 1 / Math.sqrt(1.001)]);
  const x = leaf(uniform(6, new Rng(17)), [6, 1]);
  checkGradients(() => layer.forward(x, trainCtx()), [x]);
  assert.deepEqual(layer.config(), {
    momentum: 0.99,
    epsilon: 1e-3,
    center: false,
    scale: false,
    channels: 1,
  });
});

test("BatchNorm in evaluation mode: gradients match finite differences", () => {
  const { layer, params } = built(new BatchNorm(), [2]);
  const [mean, variance] = layer.buffers().map((b) => b.data);
  mean.set([0.5, -1]);
  variance.set([2, 0.25]);
  const x = leaf(uniform(6, new Rng(8)), [3, 2]);
  checkLayerGradients(layer, x, params);
});

test("MaxPool2D and AvgPool2D: shapes and gradients match finite differences", () => {
  // Distinct values spaced by more than the step, so the max never changes under perturbation.
  const data = new Rng(9).shuffle(Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i * 0.1 - 1.5));
  for (const layer of [new MaxPool2D(), new AvgPool2D({ poolSize: 3, strides: 1 })]) {
    const x = leaf(Float32Array.from(data), [1, 2, 4, 4]);
    const expected = layer.kind === "max_pool2d" ? [2, 2, 2] : [2, 2, 2];
    assert.deepEqual(layer.outputShape([2, 4, 4]), expected);
    checkGradients(() => layer.forward(x, evalCtx()), [x], { h: 1e-2 });
  }
  const x = Tensor.from([1, 5, 2, 3], [1, 1, 2, 2]);
  assert.deepEqual([...new MaxPool2D().forward(x, evalCtx()).data], [5]);
  assert.deepEqual([...new AvgPool2D().forward(x, evalCtx()).data], [2.75]);
});

test("Flatten: [N, C, H, W] -> [N, C*H*W] with the gradient passed through", () => {
  const layer = new Flatten();
  assert.deepEqual(layer.outputShape([2, 3, 4]), [24]);
  const x = leaf(uniform(48, new Rng(10)), [2, 2, 3, 4]);
  assert.deepEqual(layer.forward(x, evalCtx()).shape, [2, 24]);
  checkGradients(() => layer.forward(x, evalCtx()), [x]);
});

test("Dropout: identity in evaluation; in training a seeded inverted-dropout mask with matching gradient", () => {
  const layer = new Dropout({ rate: 0.5 });
  const x = leaf(awayFromZero(200, new Rng(11)), [10, 20]);
  assert.deepEqual([...layer.forward(x, evalCtx()).data], [...x.data]);
  const y = layer.forward(x, trainCtx());
  let kept = 0;
  for (let i = 0; i < x.size; i++) {
    if (y.data[i] !== 0) {
      kept++;
      assert.ok(Math.abs(y.data[i] - 2 * x.data[i]) < 1e-6);
    }
  }
  assert.ok(kept > 60 && kept < 140, `kept ${kept} of 200 at rate 0.5`);
  checkGradients(() => layer.forward(x, trainCtx()), [x]); // fresh Rng(1) each call: same mask
  assert.throws(() => new Dropout({ rate: 1 }), BamsprodError);
});

test("Activation relu, hardtanh and ste_sign: gradients (off the kinks)", () => {
  const x = leaf(
    awayFromZero(24, new Rng(12), 0.05, 2).map((v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v * 0.9 : v)),
    [4, 6],
  );
  for (const name of ["relu", "hardtanh"] as const) {
    const layer = new Activation(name);
    checkGradients(() => layer.forward(x, evalCtx()), [x]);
  }
  const sign = new Activation("ste_sign");
  assert.deepEqual(
    [...sign.forward(x, evalCtx()).data],
    Array.from(x.data, (v) => (v >= 0 ? 1 : -1)),
  );
  const r = uniform(24, new Rng(13));
  const g = autogradOf(() => sign.forward(x, evalCtx()), [x], r)[0];
  assertClose(
    g,
    Array.from(x.data, (v, i) => (Math.abs(v) <= 1 ? r[i] : 0)),
  );
  assert.throws(
    () => new Activation("tanh" as "relu"),
    (e: Error) => e instanceof BamsprodError && /relu/.test(e.message),
  );
  assert.throws(() => new Activation("magnitude_aware_sign"), BamsprodError);
});

test("PReLU: per-channel slope, gradients for input and alpha", () => {
  const { layer, params } = built(new PReLU(), [2, 2, 2]);
  assert.deepEqual([...params[0].data], [0.25, 0.25]);
  params[0].data.set([0.1, 0.4]);
  const x = leaf(awayFromZero(16, new Rng(14)), [2, 2, 2, 2]);
  checkLayerGradients(layer, x, params);
});

test("Rescale maps raw pixels to (x/255 - mean)/std per channel", () => {
  const def = new Rescale();
  assertClose(def.forward(Tensor.from([0, 127.5, 255], [1, 1, 3]), evalCtx()).data, [-1, 0, 1]);
  const layer = new Rescale({ mean: [0.5, 0.25], std: [0.5, 0.25] });
  const y = layer.forward(Tensor.from([255, 0, 51, 102], [1, 2, 1, 2]), evalCtx());
  assertClose(y.data, [1, -1, 0.2 / 0.25 - 1, 0.4 / 0.25 - 1]);
  const x = leaf(uniform(8, new Rng(15), 0, 255), [2, 2, 1, 2]);
  checkGradients(() => layer.forward(x, evalCtx()), [x], { h: 1 });
  assert.throws(() => layer.outputShape([3, 4, 4]), BamsprodError);
  assert.throws(() => new Rescale({ std: 0 }), BamsprodError);
});

test("Residual adds the block's output to its input; gradients through both paths", () => {
  const block = [new Dense({ units: 3 }), new BatchNorm()];
  const { layer, params } = built(new Residual(block), [3]);
  assert.equal(params.length, 4);
  const x = leaf(uniform(12, new Rng(16)), [4, 3]);
  checkLayerGradients(layer, x, params, trainCtx);
  // y - x equals the block's own output.
  const y = layer.forward(x, evalCtx());
  let inner = x;
  for (const l of block) inner = l.forward(inner, evalCtx());
  assertClose(
    y.data.map((v, i) => v - x.data[i]),
    inner.data,
  );
  assert.throws(() => new Residual([new Dense({ units: 2 })]).outputShape([3]), BamsprodError);
});

test("layers check their input shapes and build only once", () => {
  assert.throws(
    () => new Dense({ units: 3 }).outputShape([1, 28, 28]),
    (e: Error) => /Flatten/.test(e.message),
  );
  assert.throws(() => new Conv2D({ filters: 1, kernelSize: 3 }).outputShape([4]), BamsprodError);
  assert.throws(() => new Conv2D({ filters: 1, kernelSize: 5 }).outputShape([1, 3, 3]), BamsprodError);
  assert.throws(() => new Dense({ units: 0 }), BamsprodError);
  const layer = new Dense({ units: 2 });
  assert.throws(() => layer.parameters(), BamsprodError);
  layer.build([3], new Rng(0));
  assert.throws(() => layer.build([3], new Rng(0)), BamsprodError);
});
