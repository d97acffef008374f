import { test } from "node:test";
import assert from "node:assert/strict";
import { Activation, Flatten, QuantDense, Rescale, Sequential } from "../../src/nn/index.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import {
  argmax,
  bitDifferences,
  firstImages,
  oddModel,
  pixelRowsModel,
  portableReferenceLogits,
  randomModel,
  referenceLogits,
  trainedBmlpDir,
} from "./helpers.js";

test("packed bmlp from a trained checkpoint: logits bit-identical to evaluation mode on 300 test images", async () => {
  const { model } = loadModelFromCheckpoint(await trainedBmlpDir());
  const packed = loadPacked(encodePacked(compileModel(model)));
  const { images, count } = firstImages(300);
  const ours = packed.logits(images, count);
  const reference = referenceLogits(model, images, count);
  assert.deepEqual(bitDifferences(ours, reference), []);
  assert.deepEqual(packed.predict(images, count), argmax(reference, 10));
});

test("packed bcnn with randomized batch-norms (negative and zero gamma): bit-identical logits on 48 images", () => {
  const model = randomModel("bcnn", 5);
  const packed = loadPacked(encodePacked(compileModel(model)));
  const { images, count } = firstImages(48);
  const ours = packed.logits(images, count);
  const reference = referenceLogits(model, images, count);
  assert.deepEqual(bitDifferences(ours, reference), []);
  // The network is not degenerate: its predictions vary across images.
  assert.ok(new Set(packed.predict(images, count)).size > 1);
});

test("packed bmlp with randomized batch-norms: bit-identical logits, whatever the chunking", () => {
  const model = randomModel("bmlp", 9);
  const packed = loadPacked(encodePacked(compileModel(model)));
  const { images, count } = firstImages(257); // three chunks of 86, 86 and 85 images
  const reference = referenceLogits(model, images, count, 100);
  assert.deepEqual(bitDifferences(packed.logits(images, count), reference), []);
  const one = packed.logits(images.subarray(0, 784), 1);
  assert.deepEqual(bitDifferences(one, reference.subarray(0, 10)), []);
});

test("odd geometry: 40 channels (a partial bit word), stride 2, asymmetric padding, bias, float kernel, sign activation", () => {
  const model = oddModel();
  const spec = compileModel(model);
  assert.deepEqual(
    spec.layers.map((l) => l.type),
    [
      "rescale",
      "conv2d",
      "threshold",
      "conv2d",
      "max_pool2d",
      "threshold",
      "flatten",
      "dense",
      "bias",
      "threshold",
      "dense",
      "bias",
    ],
  );
  const packed = loadPacked(encodePacked(spec));
  const { images, count } = firstImages(40);
  // The float classifier feeds the logits: fixed-order sums, the portable kernels' (docs/format.md).
  const reference = portableReferenceLogits(model, images, count);
  assert.deepEqual(bitDifferences(packed.logits(images, count), reference), []);
});

test("a binary dense layer reads a convolution's packed signs as rows: 32 channels at 7x7 (an odd word count per image) after a 2x2 pool", () => {
  const model = pixelRowsModel();
  const spec = compileModel(model);
  const types = spec.layers.map((l) => l.type);
  assert.deepEqual(types.slice(3, 8), ["conv2d", "max_pool2d", "threshold", "conv2d", "threshold"]);
  assert.deepEqual(types.slice(8), ["flatten", "dense", "scale_shift"]);
  const { images, count } = firstImages(40);
  const reference = referenceLogits(model, images, count);
  const packed = loadPacked(encodePacked(spec));
  assert.deepEqual(bitDifferences(packed.logits(images, count), reference), []);
  assert.ok(new Set(packed.predict(images, count)).size > 1);
});

test("Uint8Array and Float32Array pixels give the same logits; zero images give empty results", () => {
  const packed = loadPacked(encodePacked(compileModel(randomModel("bmlp", 2))));
  const { images, count } = firstImages(20);
  assert.deepEqual(packed.logits(Float32Array.from(images), count), packed.logits(images, count));
  assert.deepEqual(packed.logits(images), packed.logits(images, count)); // count inferred
  assert.equal(packed.predict(new Uint8Array(0), 0).length, 0);
});

const wrongInputs: Array<[string, () => unknown, RegExp]> = [
  [
    "an Int32Array",
    () => new Int32Array(784),
    /Float32Array or Uint8Array of shape \[N, 1, 28, 28\].*got Int32Array/,
  ],
  ["a plain array", () => [1, 2, 3], /Float32Array or Uint8Array.*got Array/],
  [
    "a partial image",
    () => new Uint8Array(783),
    /783 values, not a whole number of 784-value images.*\[N, 1, 28, 28\]/,
  ],
  ["a 32x32 image", () => new Float32Array(1024), /not a whole number.*\[N, 1, 28, 28\]/],
];

for (const [what, images, message] of wrongInputs) {
  test(`predict refuses ${what}, naming the expected shape`, () => {
    const packed = loadPacked(encodePacked(compileModel(randomModel("bmlp", 2))));
    assert.throws(() => packed.predict(images() as Uint8Array), { name: "BamsprodError", message });
  });
}

test("predict refuses a count that does not match the pixels", () => {
  const packed = loadPacked(encodePacked(compileModel(randomModel("bmlp", 2))));
  assert.throws(() => packed.predict(new Uint8Array(784 * 3), 2), {
    name: "BamsprodError",
    message: /2352 values but 2 images of shape \[1, 28, 28\] need 1568/,
  });
  assert.throws(() => packed.predict(new Uint8Array(784), 1.5), /non-negative integer, got 1.5/);
});

test("compile refuses layers without a binary form, naming the layer", () => {
  const model = new Sequential(
    [new Rescale(), new Flatten(), new QuantDense({ units: 10, useBias: false }), new Activation("relu")],
    { inputShape: [1, 28, 28], classes: 10 },
  );
  assert.throws(() => compileModel(model), {
    name: "BamsprodError",
    message: /cannot export layer "activation_1" \(activation\): only sign activations/,
  });
  const scaled = new Sequential(
    [new Rescale(), new Flatten(), new QuantDense({ units: 10, kernelQuantizer: "magnitude_aware_sign" })],
    { inputShape: [1, 28, 28], classes: 10 },
  );
  assert.throws(() => compileModel(scaled), /"magnitude_aware_sign" scales each channel/);
});
