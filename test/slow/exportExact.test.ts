/**
 * The exactness claim of the packed format on the whole Fashion-MNIST test set: for trained
 * bmlp and bcnn checkpoints, the packed model's logits are bit-identical to the training
 * engine's evaluation-mode logits on every test image (hence the same predictions), with the
 * portable kernels and, when the addon is built, with the native ones. A few minutes: the
 * reference bcnn runs float convolutions on 10,000 images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadFashionMnist } from "../../src/data/index.js";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import { getKernels, portableKernels, setKernels, type Kernels } from "../../src/kernels/index.js";
import { selectKernels } from "../../src/kernels/select.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { argmax, bitDifferences, referenceLogits, trainedCheckpoint } from "../export/helpers.js";

function nativeKernels(): Kernels | null {
  try {
    return selectKernels({ BAMSPROD_KERNELS: "native" }).kernels;
  } catch {
    return null;
  }
}

const cases = [
  ["bmlp", 5000],
  ["bcnn", 1000],
] as const;

for (const [name, trainSize] of cases) {
  test(`${name}: packed logits equal evaluation mode on every Fashion-MNIST test image`, async (t) => {
    const test = loadFashionMnist().test;
    if (test.count < 10000)
      t.diagnostic(`only ${test.count} test images (the full dataset is not installed)`);
    const native = nativeKernels();
    const before = getKernels();
    setKernels(native ?? portableKernels); // train fast when possible
    const { model } = loadModelFromCheckpoint(await trainedCheckpoint(name, trainSize));
    const packed = loadPacked(encodePacked(compileModel(model)));
    try {
      for (const kernels of native === null ? [portableKernels] : [portableKernels, native]) {
        setKernels(kernels);
        const reference = referenceLogits(model, test.images, test.count);
        const ours = packed.logits(test.images, test.count);
        assert.deepEqual(bitDifferences(ours, reference), [], `${kernels.name} kernels`);
        const predicted = packed.predict(test.images, test.count);
        assert.deepEqual(predicted, argmax(reference, 10));
        const correct = predicted.filter((c, i) => c === test.labels[i]).length;
        t.diagnostic(
          `${kernels.name}: ${test.count} images identical, accuracy ${(correct / test.count).toFixed(4)}`,
        );
      }
    } finally {
      setKernels(before);
    }
  });
}
