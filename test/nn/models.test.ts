import { test } from "node:test";
import assert from "node:assert/strict";
import { BamsprodError } from "../../src/util/errors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/random.js";
import { createOptimizer } from "../../src/optim/index.js";
import {
  BatchNorm,
  buildModel,
  Dense,
  Flatten,
  modelNames,
  QuantDense,
  Rescale,
  Residual,
  Sequential,
  type Parameter,
} from "../../src/nn/index.js";

const fmnist = { inputShape: [1, 28, 28], classes: 10, seed: 1 };
const count = (params: Parameter[], binary: boolean): number =>
  params.filter((p) => p.binary === binary).reduce((s, p) => s + p.tensor.size, 0);

test("bmlp: documented layers, shapes, names and parameter counts", () => {
  const model = buildModel("bmlp", fmnist);
  assert.deepEqual(
    model.layers.map((l) => l.kind),
    [
      "rescale",
      "flatten",
      "quant_dense",
      "batch_norm",
      "quant_dense",
      "batch_norm",
      "quant_dense",
      "batch_norm",
    ],
  );
  assert.deepEqual(model.layerOutputShapes(), [[1, 28, 28], [784], [512], [512], [512], [512], [10], [10]]);
  const params = model.parameters();
  assert.deepEqual(
    params.map((p) => `${p.name}:${p.tensor.shape.join("x")}:${p.binary ? "b" : "f"}`),
    [
      "quant_dense_1/kernel:512x784:b",
      "batch_norm_1/gamma:512:f",
      "batch_norm_1/beta:512:f",
      "quant_dense_2/kernel:512x512:b",
      "batch_norm_2/gamma:512:f",
      "batch_norm_2/beta:512:f",
      "quant_dense_3/kernel:10x512:b",
      "batch_norm_3/gamma:10:f",
      "batch_norm_3/beta:10:f",
    ],
  );
  assert.equal(count(params, true), 784 * 512 + 512 * 512 + 512 * 10);
  assert.equal(count(params, false), 2 * (512 + 512 + 10));
  assert.deepEqual(
    model
      .buffers()
      .map((b) => b.name)
      .slice(0, 2),
    ["batch_norm_1/moving_mean", "batch_norm_1/moving_variance"],
  );
  // First layer: real input; later layers binarize their input.
  const configs = model.layers.filter((l) => l.kind === "quant_dense").map((l) => l.config());
  assert.deepEqual(
    configs.map((c) => [c.inputQuantizer, c.kernelQuantizer, c.useBias]),
    [
      [null, { name: "ste_sign" }, false],
      [{ name: "ste_sign" }, { name: "ste_sign" }, false],
      [{ name: "ste_sign" }, { name: "ste_sign" }, false],
    ],
  );
});

test("bcnn: conv 32-32-pool-64-64-pool, dense 512, dense 10, batch-norm after each", () => {
  const model = buildModel("bcnn", fmnist);
  assert.deepEqual(
    model.layers.map((l) => l.kind).join(" "),
    "rescale quant_conv2d batch_norm quant_conv2d max_pool2d batch_norm quant_conv2d batch_norm quant_conv2d max_pool2d batch_norm flatten quant_dense batch_norm quant_dense batch_norm",
  );
  const shapes = model.layerOutputShapes().map((s) => s.join("x"));
  assert.deepEqual(shapes, [
    "1x28x28",
    "32x28x28",
    "32x28x28",
    "32x28x28",
    "32x14x14",
    "32x14x14",
    "64x14x14",
    "64x14x14",
    "64x14x14",
    "64x7x7",
    "64x7x7",
    "3136",
    "512",
    "512",
    "10",
    "10",
  ]);
  const params = model.parameters();
  assert.equal(
    count(params, true),
    1 * 32 * 9 + 32 * 32 * 9 + 32 * 64 * 9 + 64 * 64 * 9 + 3136 * 512 + 512 * 10,
  );
  assert.equal(count(params, false), 2 * (32 + 32 + 64 + 64 + 512 + 10));
  const first = model.layers[1].config();
  assert.equal(first.inputQuantizer, null);
  assert.deepEqual(first.padding, [1, 1]);
  // CIFAR-sized input: 32 -> 16 -> 8.
  const cifar = buildModel("bcnn", { inputShape: [3, 32, 32], classes: 10, seed: 0 });
  assert.deepEqual(cifar.layerOutputShapes()[11], [64 * 8 * 8]);
});

test("mlp and cnn are full-precision twins: same widths and counts, float kernels, relu or hardtanh", () => {
  for (const [binaryName, floatName] of [
    ["bmlp", "mlp"],
    ["bcnn", "cnn"],
  ]) {
    const b = buildModel(binaryName, fmnist);
    const f = buildModel(floatName, fmnist);
    const bp = b.parameters();
    const fp = f.parameters();
    assert.equal(count(fp, true), 0);
    assert.equal(count(fp, false), count(bp, true) + count(bp, false));
    assert.deepEqual(
      fp.map((p) => p.tensor.shape.join("x")),
      bp.map((p) => p.tensor.shape.join("x")),
    );
    const acts = f.layers.filter((l) => l.kind === "activation");
    const bns = f.layers.filter((l) => l.kind === "batch_norm");
    assert.equal(acts.length, bns.length - 1, "an activation after every batch-norm but the last");
    assert.ok(acts.every((a) => a.config().activation === "relu"));
  }
  const ht = buildModel("mlp", { ...fmnist, activation: "hardtanh" });
  assert.ok(
    ht.layers.filter((l) => l.kind === "activation").every((a) => a.config().activation === "hardtanh"),
  );
  assert.equal(buildModel("mlp", fmnist).layers[2].kind, "dense");
  assert.equal(buildModel("cnn", fmnist).layers[1].kind, "conv2d");
});

test("buildModel rejects unknown names (listing the valid ones) and mismatched inputs", () => {
  assert.deepEqual([...modelNames], ["bmlp", "bcnn", "mlp", "cnn", "birealnet", "reactnet"]);
  assert.throws(
    () => buildModel("resnet", fmnist),
    (e: Error) => e instanceof BamsprodError && /bmlp, bcnn, mlp, cnn/.test(e.message),
  );
  assert.throws(() => buildModel("bcnn", { inputShape: [784], classes: 10 }), BamsprodError);
  const model = buildModel("bmlp", fmnist);
  assert.throws(
    () => model.forward(Tensor.zeros([2, 1, 28, 27]), { training: false, rng: new Rng(0) }),
    (e: Error) => e instanceof BamsprodError && /expects input \[N, 1, 28, 28\]/.test(e.message),
  );
  assert.deepEqual(
    model.forward(Tensor.zeros([2, 1, 28, 28]), { training: false, rng: new Rng(0) }).shape,
    [2, 10],
  );
});

test("weight initialisation is determined by the seed", () => {
  const data = (seed: number): number[][] =>
    buildModel("bcnn", { ...fmnist, seed })
      .parameters()
      .map((p) => [...p.tensor.data.subarray(0, 50)]);
  assert.deepEqual(data(7), data(7));
  assert.notDeepEqual(data(7), data(8));
  // Glorot uniform bound of the first bmlp kernel: sqrt(6 / (784 + 512)).
  const k = buildModel("bmlp", fmnist).parameters()[0].tensor.data;
  const limit = Math.sqrt(6 / (784 + 512));
  const max = k.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(max <= limit && max > 0.99 * limit, `max |w| ${max}, limit ${limit}`);
});

test("every binary latent kernel, inside residual blocks too, is marked binary: the optimizer's clip bounds it", () => {
  const inner = new QuantDense({ units: 4, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
  const model = new Sequential(
    [
      new Rescale(),
      new Flatten(),
      new QuantDense({ units: 4, kernelQuantizer: "ste_sign" }),
      new Residual([inner, new BatchNorm()]),
      new Dense({ units: 2 }),
    ],
    { inputShape: [1, 2, 2], seed: 0 },
  );
  for (const p of model.parameters()) p.tensor.data.fill(5);
  const params = model.parameters().map((p) => ({
    name: p.name,
    value: p.tensor.data,
    grad: new Float32Array(p.tensor.data.length),
    binary: p.binary,
  }));
  createOptimizer("sgd", { clip: 1 }).step(params); // zero gradients: only the clip changes anything
  for (const p of model.parameters()) {
    assert.ok(
      p.tensor.data.every((v) => v === (p.binary ? 1 : 5)),
      p.name,
    );
  }
  assert.deepEqual(
    model
      .parameters()
      .filter((p) => p.binary)
      .map((p) => p.name),
    ["quant_dense_1/kernel", "quant_dense_2/kernel"],
  );
});

test("Sequential names layers per kind, keeps given names, and rejects duplicates", () => {
  const model = new Sequential(
    [
      new Flatten(),
      new Dense({ units: 3, name: "dense_1" }),
      new Dense({ units: 3 }),
      new Dense({ units: 2, name: "head" }),
    ],
    { inputShape: [2, 2], classes: 2 },
  );
  assert.deepEqual(
    model.layers.map((l) => l.name),
    ["flatten_1", "dense_1", "dense_2", "head"],
  );
  assert.throws(
    () =>
      new Sequential([new Dense({ units: 2, name: "a" }), new Dense({ units: 2, name: "a" })], {
        inputShape: [2],
      }),
    (e: Error) => e instanceof BamsprodError && /"a"/.test(e.message),
  );
  assert.throws(
    () => new Sequential([new Dense({ units: 3 })], { inputShape: [2], classes: 2 }),
    BamsprodError,
  );
  assert.throws(() => new Dense({ units: 2, name: "a/b" }), BamsprodError);
  const json = JSON.parse(JSON.stringify(model.config()));
  assert.deepEqual(json.layers[1], {
    kind: "dense",
    name: "dense_1",
    config: {
      units: 3,
      inputDim: 4,
      inputQuantizer: null,
      kernelQuantizer: null,
      useBias: true,
    },
  });
});
