/**
 * The packed model's promise (docs/format.md) on the whole Fashion-MNIST test set: for trained
 * bmlp, bcnn, birealnet and reactnet checkpoints (the residual ones run the packed residual
 * graph; BAMSPROD_EXACT_CHECKPOINTS=dir,dir checks those checkpoints instead of training), the
 * logits are bit-identical to the training engine's evaluation-mode logits on every image the
 * packed model reports certain (hence the same predictions), with the portable kernels and,
 * when the addon is built, with the native ones; the portable kernels sum each output in an
 * order that does not depend on the batch, so there every image is identical. A few minutes:
 * the reference bcnn runs float convolutions on 10,000 images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadFashionMnist } from "../../src/data/index.js";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import { getBackend, portableBackend, setBackend, type Backend } from "../../src/kernels/index.js";
import { chooseBackend } from "../../src/kernels/select.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { argmax, bitDifferences, referenceLogits, trainedCheckpoint } from "../export/helpers.js";

function nativeBackend(): Backend | null {
  try {
    return chooseBackend({ BAMSPROD_KERNELS: "native" }).backend;
  } catch {
    return null;
  }
}

const cases = [
  ["bmlp", 5000],
  ["bcnn", 1000],
  ["birealnet", 1000],
  ["reactnet", 1000],
] as const;

/** Checkpoint directories given by the environment, by model name. */
function givenCheckpoints(): Map<string, string> {
  const dirs = (process.env.BAMSPROD_EXACT_CHECKPOINTS ?? "").split(",").filter((d) => d !== "");
  return new Map(dirs.map((dir) => [loadModelFromCheckpoint(dir).model.name, dir]));
}

const given = givenCheckpoints();
for (const [name, trainSize] of cases.filter(([n]) => given.size === 0 || given.has(n))) {
  test(`${name}: packed logits equal evaluation mode on every certain Fashion-MNIST test image`, async (t) => {
    const test = loadFashionMnist().test;
    if (test.count < 10000)
      t.diagnostic(`only ${test.count} test images (the full dataset is not installed)`);
    const native = nativeBackend();
    const before = getBackend();
    setBackend(native ?? portableBackend); // train fast when possible
    const dir = given.get(name) ?? (await trainedCheckpoint(name, trainSize));
    const { model } = loadModelFromCheckpoint(dir);
    const packed = loadPacked(encodePacked(compileModel(model)));
    try {
      for (const backend of native === null ? [portableBackend] : [portableBackend, native]) {
        setBackend(backend);
        const reference = referenceLogits(model, test.images, test.count);
        const ours = packed.logits(test.images, test.count);
        const certain = packed.certain(test.images, test.count);
        const differing = new Set(bitDifferences(ours, reference).map((i) => Math.floor(i / 10)));
        const broken = [...differing].filter((i) => certain[i] === 1);
        assert.deepEqual(broken, [], `${backend.name} backend: certain images with other logits`);
        if (backend === portableBackend) assert.equal(differing.size, 0, "portable: every image identical");
        const predicted = packed.predict(test.images, test.count);
        const expected = argmax(reference, 10);
        const correct = predicted.filter((c, i) => c === test.labels[i]).length;
        const uncertain = certain.length - certain.reduce((a, b) => a + b, 0);
        const otherClass = predicted.filter((c, i) => c !== expected[i]).length;
        t.diagnostic(
          `${name}, ${backend.name}: ${test.count - differing.size} of ${test.count} images identical, ${uncertain} uncertain, ` +
            `${otherClass} predicted differently, accuracy ${(correct / test.count).toFixed(4)}`,
        );
      }
    } finally {
      setBackend(before);
    }
  });
}
