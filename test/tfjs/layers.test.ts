/**
 * QuantDense and QuantConv2D as tfjs layers: forward values against hand computations,
 * gradients through the quantizers, shapes, config round trips, and option errors.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { isRegisteredBinary, QuantConv2D, QuantDense, WeightClip } from "../../src/tfjs/index.js";
import { assertAllClose, normals, useBackend } from "./helpers.js";

before(useBackend);

const sign = (x: number): number => (x >= 0 ? 1 : -1);

/** A built layer with seeded weights: kernel [in, out] and bias [out]. */
function denseLayer(
  args: ConstructorParameters<typeof QuantDense>[0],
  inDim: number,
  seed: number,
): QuantDense {
  const layer = new QuantDense(args);
  layer.build([null, inDim]);
  const rng = new Rng(seed);
  layer.setWeights(layer.getWeights().map((w) => tf.tensor(normals(w.size, rng, 0.8), w.shape)));
  return layer;
}

test("QuantDense computes sign(x) . sign(W) + b, and its kernel counts as binary", () => {
  const layer = denseLayer({ units: 3, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }, 4, 1);
  const [w, b] = layer.getWeights().map((t) => t.dataSync());
  const xs = normals(2 * 4, new Rng(2));
  const y = (layer.apply(tf.tensor2d(xs, [2, 4])) as tf.Tensor).dataSync();
  const expected: number[] = [];
  for (let n = 0; n < 2; n++) {
    for (let o = 0; o < 3; o++) {
      let sum = b[o];
      for (let i = 0; i < 4; i++) sum += sign(xs[n * 4 + i]) * sign(w[i * 3 + o]);
      expected.push(sum);
    }
  }
  assertAllClose(y, expected, 1e-6, 1e-6, "QuantDense output");
  assert.ok(isRegisteredBinary(layer.trainableWeights[0].read() as tf.Variable));
  assert.ok(!isRegisteredBinary(layer.trainableWeights[1].read() as tf.Variable), "the bias is real");
  const real = denseLayer({ units: 3 }, 4, 1);
  assert.ok(!isRegisteredBinary(real.trainableWeights[0].read() as tf.Variable), "no kernel quantizer: real");
});

test("QuantDense: the kernel gradient is the straight-through one (x^T dy where |W| <= 1)", () => {
  const layer = denseLayer({ units: 3, kernelQuantizer: "ste_sign", useBias: false }, 4, 3);
  const kernel = layer.trainableWeights[0].read() as tf.Variable;
  const x = tf.tensor2d(normals(5 * 4, new Rng(4)), [5, 4]);
  const r = tf.tensor2d(normals(5 * 3, new Rng(5)), [5, 3]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)), [kernel]);
  const xr = tf.matMul(x, r, true, false).dataSync(); // [4, 3]
  const w = kernel.dataSync();
  const expected = Array.from(xr, (v, i) => (Math.abs(w[i]) <= 1 ? v : 0));
  assert.ok(expected.some((v) => v === 0) && expected.some((v) => v !== 0), "test needs both cases");
  assertAllClose(grads[kernel.name].dataSync(), expected, 1e-5, 1e-5, "kernel gradient");
});

test("QuantDense transforms inputs of rank 3 along their last axis", () => {
  const layer = denseLayer({ units: 2, kernelQuantizer: "ste_sign", activation: "relu" }, 3, 6);
  const x = tf.tensor3d(normals(2 * 5 * 3, new Rng(7)), [2, 5, 3]);
  const y = layer.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 5, 2]);
  const flat = layer.apply(tf.reshape(x, [10, 3])) as tf.Tensor;
  assert.deepEqual([...y.dataSync()], [...flat.dataSync()]);
  assert.ok(
    y.dataSync().every((v) => v >= 0),
    "relu",
  );
  assert.deepEqual(layer.computeOutputShape([null, 5, 3]), [null, 5, 2]);
});

test("QuantConv2D computes conv2d(sign(x), sign(W)) + b with the expected output shapes", () => {
  const layer = new QuantConv2D({
    filters: 4,
    kernelSize: [3, 2],
    strides: [2, 1],
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    biasInitializer: "ones",
  });
  const x = tf.tensor4d(normals(2 * 7 * 6 * 3, new Rng(8)), [2, 7, 6, 3]);
  const y = layer.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 3, 5, 4]);
  assert.deepEqual(layer.computeOutputShape([null, 7, 6, 3]), [null, 3, 5, 4]);
  const w = layer.getWeights()[0];
  const expected = tf.add(
    tf.conv2d(tf.sign(x) as tf.Tensor4D, tf.sign(w) as tf.Tensor4D, [2, 1], "valid"),
    1,
  );
  assertAllClose(y.dataSync(), expected.dataSync(), 1e-5, 1e-6, "QuantConv2D output");
  const same = new QuantConv2D({ filters: 2, kernelSize: 3, strides: 2, padding: "same" });
  assert.deepEqual(same.computeOutputShape([null, 7, 6, 3]), [null, 4, 3, 2]);
});

test("layer configs round-trip through fromConfig, also with tfjs-layers' camelCase strings", () => {
  const layer = new QuantDense({
    units: 5,
    inputQuantizer: "approx_sign",
    kernelQuantizer: "magnitude_aware_sign",
    kernelConstraint: new WeightClip({ clipValue: 1.5 }),
    activation: "tanh",
  });
  const config = layer.getConfig();
  assert.equal(config.kernelQuantizer, "magnitude_aware_sign");
  assert.deepEqual(config.kernelConstraint, { className: "WeightClip", config: { clipValue: 1.5 } });
  // tfjs-layers turns "approx_sign" into "approxSign" when it reads a saved model.
  const copy = new QuantDense({ ...config, inputQuantizer: "approxSign", name: undefined } as never);
  assert.equal(copy.inputQuantizer, "approx_sign");
  assert.ok(copy.kernelConstraint instanceof WeightClip && copy.kernelConstraint.clipValue === 1.5);
  const { name: _a, ...expected } = config;
  const { name: _b, ...actual } = copy.getConfig();
  assert.deepEqual(actual, expected);
});

test("bad layer options are BamsprodErrors", () => {
  assert.throws(() => new QuantDense({ units: 0 }), BamsprodError);
  assert.throws(() => new QuantDense({ units: 2, kernelQuantizer: "sign" as never }), BamsprodError);
  assert.throws(() => new QuantDense({ units: 2, inputQuantizer: "magnitude_aware_sign" }), BamsprodError);
  assert.throws(
    () => new QuantDense({ units: 2, kernelClip: 1, kernelConstraint: "weight_clip" } as never),
    BamsprodError,
  );
  assert.throws(
    () => new QuantDense({ units: 2, kernelClip: 1.5 as unknown as null }),
    (e: Error) =>
      e instanceof BamsprodError && /kernelClip 1\.5 .*optimizer's clip.*clip: 1\.5/.test(e.message),
  );
  assert.throws(() => new QuantDense({ units: 2, activation: "gelu" as never }), BamsprodError);
  assert.throws(() => new QuantDense({ units: 2, kernelInitializer: "nope" }), BamsprodError);
  assert.throws(
    () => new QuantConv2D({ filters: 2, kernelSize: 3, padding: "full" as never }),
    BamsprodError,
  );
  assert.throws(() => new WeightClip({ clipValue: 0 }), BamsprodError);
  const conv = new QuantConv2D({ filters: 2, kernelSize: 3 });
  assert.throws(() => conv.build([null, 8, 3]), BamsprodError);
});
