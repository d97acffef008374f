import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildModel,
  modelFromConfig,
  modelNames,
  QuantDense,
  registerLayerType,
  layerKinds,
} from "../../src/nn/index.js";

const roundTrip = (config: unknown): unknown => JSON.parse(JSON.stringify(config));

for (const name of modelNames) {
  test(`model.config() -> JSON -> modelFromConfig rebuilds ${name} with the same layers and initial weights`, () => {
    const model = buildModel(name, { inputShape: [1, 16, 16], classes: 3, seed: 4 });
    const again = modelFromConfig(roundTrip(model.config()));
    assert.deepEqual(again.config(), model.config());
    assert.deepEqual(
      again.parameters().map((p) => [p.name, Array.from(p.tensor.data)]),
      model.parameters().map((p) => [p.name, Array.from(p.tensor.data)]),
    );
  });
}

const dense = (config: Record<string, unknown>) => ({
  kind: "quant_dense",
  config: { kernelQuantizer: "ste_sign", ...config },
});
const file = (layers: unknown[], extra: Record<string, unknown> = {}) => ({
  inputShape: [1, 8, 8],
  layers,
  ...extra,
});
const rejects = (json: unknown, message: RegExp): void => {
  assert.throws(
    () => modelFromConfig(json, { source: "m.json" }),
    (e: Error) => {
      assert.equal(e.name, "BamsprodError");
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    },
  );
};

test("a model file's problems are one-line errors naming the layer's place and the option", () => {
  rejects(
    file([{ kind: "flatten" }, { kind: "dense_layer" }]),
    /^m\.json: layers\[1\]: unknown layer kind "dense_layer"; use one of .*quant_dense/,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: "ten" })]),
    /^m\.json: layers\[1\] \(quant_dense\): option units must be an integer, got "ten"/,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: 0 })]),
    /^m\.json: layers\[1\] \(quant_dense\): QuantDense: units must be an integer >= 1, got 0/,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: 3, unitz: 4 })]),
    /layers\[1\] \(quant_dense\): unknown option "unitz"; quant_dense takes units, /,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: 3, kernelQuantizer: "sine" })]),
    /layers\[1\] \(quant_dense\): unknown quantizer "sine"/,
  );
  rejects(
    file([{ kind: "flatten" }, { kind: "dense", config: { units: 3, kernelQuantizer: "ste_sign" } }]),
    /layers\[1\] \(dense\): option kernelQuantizer must be null/,
  );
  rejects(
    file([{ kind: "quant_conv2d", config: { filters: 4 } }]),
    /layers\[0\] \(quant_conv2d\): option kernelSize is required/,
  );
  rejects(
    file([{ kind: "residual", config: { block: [{ kind: "batch_norm", config: { momentum: 2 } }] } }]),
    /layers\[0\] \(residual\)\.config\.block\[0\] \(batch_norm\): BatchNorm: momentum must be in \[0, 1\), got 2/,
  );
});

test("shape mismatches name the layer: a missing flatten, a stated inputDim, the classes", () => {
  rejects(
    file([dense({ units: 3 })]),
    /^m\.json: layers\[0\] \(quant_dense\): .*expects a 1-D input per sample, got shape \[1, 8, 8\]; add a Flatten layer/,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: 3, inputDim: 784 })]),
    /layers\[1\] \(quant_dense\): option inputDim is 784 but the layer's input is \[64\]/,
  );
  rejects(
    file([{ kind: "flatten" }, dense({ units: 3 })], { classes: 10 }),
    /the model outputs 3 values per image but the data has 10 classes/,
  );
  rejects(
    file([{ kind: "max_pool2d", config: { poolSize: 9 } }]),
    /layers\[0\] \(max_pool2d\): .*smaller than the pool size 9/,
  );
  assert.throws(
    () =>
      modelFromConfig(file([{ kind: "flatten" }, dense({ units: 3 })]), {
        inputShape: [3, 8, 8],
        source: "m.json",
      }),
    /m\.json declares inputShape \[1, 8, 8\] but the data's images are \[3, 8, 8\]/,
  );
});

test("new layer types register in one place", () => {
  registerLayerType({
    kind: "wide_dense",
    options: { units: "int" },
    required: ["units"],
    create: (o, name) => new QuantDense({ units: 2 * (o.units as number), name }),
  });
  assert.ok(layerKinds().includes("wide_dense"));
  const model = modelFromConfig(file([{ kind: "flatten" }, { kind: "wide_dense", config: { units: 2 } }]));
  assert.equal(model.classes, 4);
});
