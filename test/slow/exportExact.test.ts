/**
 * The packed model's promise (docs/format.md) on the whole Fashion-MNIST test set: for trained
 * bmlp, bcnn, birealnet and reactnet checkpoints (the residual ones run the packed residual
 * graph; BAMSPROD_EXACT_CHECKPOINTS=dir,dir checks those checkpoints instead of training), the
 * logits are bit-identical to the training engine's evaluation-mode logits on every image the
 * packed model reports certain (hence the same predictions), compiled and run with the
 * portable kernels and, when the addon is built, with the native ones; the portable kernels
 * sum each output in an order that does not depend on the batch, so there every image is
 * identical. The residual models keep real-valued sums (the stream, the logits), which the
 * packed model computes in the portable kernels' fixed order on any kernels: their logits equal
 * evaluation on the portable kernels on every image, whichever kernels compiled and run them
 * (with OpenBLAS, evaluation's own sums round by batch size). A few minutes: the reference
 * bcnn runs float convolutions on 10,000 images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadFashionMnist } from "../../src/data/index.js";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import { getBackend, portableBackend, setBackend, type Backend } from "../../src/kernels/index.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import {
  argmax,
  bitDifferences,
  exactCases as cases,
  givenCheckpoints,
  nativeBackendOrNull,
  referenceLogits,
  trainedCheckpoint,
} from "../export/helpers.js";

const given = givenCheckpoints();
for (const [name, trainSize] of cases.filter(([n]) => given.size === 0 || given.has(n))) {
  test(`${name}: packed logits equal evaluation mode on every certain Fashion-MNIST test image`, async (t) => {
    const test = loadFashionMnist().test;
    if (test.count < 10000)
      t.diagnostic(`only ${test.count} test images (the full dataset is not installed)`);
    const native = nativeBackendOrNull();
    const before = getBackend();
    setBackend(native ?? portableBackend); // train fast when possible
    const dir = given.get(name) ?? (await trainedCheckpoint(name, trainSize));
    const { model } = loadModelFromCheckpoint(dir);
    const kernelSets = native === null ? [portableBackend] : [portableBackend, native];
    const evaluation = new Map<Backend, Float32Array>();
    for (const backend of kernelSets) {
      setBackend(backend);
      evaluation.set(backend, referenceLogits(model, test.images, test.count));
    }
    // Residual models keep real-valued sums (the stream, the logits): the packed model computes
    // them in the portable kernels' fixed order, whatever kernels are in use (docs/format.md).
    const fixedOrder = name === "birealnet" || name === "reactnet";
    try {
      for (const compiledWith of kernelSets) {
        setBackend(compiledWith);
        const packed = loadPacked(encodePacked(compileModel(model)));
        for (const backend of kernelSets) {
          setBackend(backend);
          const reference = evaluation.get(fixedOrder ? portableBackend : backend) as Float32Array;
          const what = `compiled with ${compiledWith.name}, run with ${backend.name}`;
          const ours = packed.logits(test.images, test.count);
          const certain = packed.certain(test.images, test.count);
          const differing = new Set(bitDifferences(ours, reference).map((i) => Math.floor(i / 10)));
          const broken = [...differing].filter((i) => certain[i] === 1);
          assert.deepEqual(broken, [], `${what}: certain images with other logits`);
          if (fixedOrder || backend === portableBackend)
            assert.equal(differing.size, 0, `${what}: every image identical`);
          const predicted = packed.predict(test.images, test.count);
          const correct = predicted.filter((c, i) => c === test.labels[i]).length;
          const uncertain = certain.length - certain.reduce((x, y) => x + y, 0);
          const active = argmax(evaluation.get(backend) as Float32Array, 10);
          const otherClass = predicted.filter((c, i) => c !== active[i]).length;
          t.diagnostic(
            `${name}, ${what}: ${test.count - differing.size} of ${test.count} images identical to evaluation on ` +
              `${fixedOrder ? "portable" : backend.name} kernels, ${uncertain} uncertain, accuracy ${(correct / test.count).toFixed(4)}; ` +
              `evaluation on ${backend.name} kernels predicts ${otherClass} differently`,
          );
        }
      }
    } finally {
      setBackend(before);
    }
  });
}
