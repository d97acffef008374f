import { test } from "node:test";
import assert from "node:assert/strict";
import { compileModel, decodePacked, encodePacked, loadPacked } from "../../src/export/index.js";
import { summarize } from "../../src/nn/index.js";
import { Rng } from "../../src/util/random.js";
import { getBackend, portableBackend, setBackend } from "../../src/kernels/index.js";
import { bitDifferences, firstImages, nativeBackendOrNull, portableReferenceLogits } from "./helpers.js";
import { randomResidualModel } from "./residualHelpers.js";

/** Random raw pixels 0..255 (for input shapes no installed dataset has). */
function randomPixels(count: number, shape: readonly number[], seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: count * shape.reduce((a, b) => a * b, 1) }, () =>
    Math.floor(rng.uniform() * 256),
  );
}

for (const name of ["birealnet", "reactnet"] as const) {
  test(`packed ${name} (random state): residual graph bit-identical to evaluation mode on 64 images`, () => {
    const model = randomResidualModel(name, 3);
    const spec = compileModel(model);
    assert.ok(spec.layers.some((l) => l.type === "residual"));
    const packed = loadPacked(encodePacked(spec));
    const { images, count } = firstImages(64);
    const reference = portableReferenceLogits(model, images, count);
    assert.deepEqual(bitDifferences(packed.logits(images, count), reference), []);
    const rows = new Set(
      Array.from({ length: count }, (_, r) => reference.subarray(r * 10, r * 10 + 10).join()),
    );
    assert.ok(rows.size > count / 2, "the random network's logits vary with the image");
  });
}

test("packed reactnet with XNOR-Net++ scaling on 32x32 RGB, 3 classes: bit-identical logits", () => {
  const model = randomResidualModel("reactnet", 4, { inputShape: [3, 32, 32], classes: 3, scaling: true });
  const spec = compileModel(model);
  const images = randomPixels(20, [3, 32, 32], 5);
  const reference = portableReferenceLogits(model, images, 20);
  assert.deepEqual(bitDifferences(loadPacked(encodePacked(spec)).logits(images, 20), reference), []);
});

test("packed birealnet: the logits depend neither on the kernels that compiled or run it nor on the batch", (t) => {
  // Regression: the residual stream's real-valued sums ran on the kernels in use, and
  // OpenBLAS rounds them by call shape, so the logits changed with the kernels and the batch.
  const native = nativeBackendOrNull();
  if (native === null) t.diagnostic("native kernels unavailable: portable only");
  const kernelSets = native === null ? [portableBackend] : [portableBackend, native];
  const model = randomResidualModel("birealnet", 8);
  const { images, count } = firstImages(130); // two chunks of 65 in the packed model
  const reference = portableReferenceLogits(model, images, count);
  const before = getBackend();
  try {
    for (const compiledWith of kernelSets) {
      setBackend(compiledWith);
      const packed = loadPacked(encodePacked(compileModel(model)));
      for (const runWith of kernelSets) {
        setBackend(runWith);
        const what = `compiled with ${compiledWith.name}, run with ${runWith.name}`;
        assert.deepEqual(bitDifferences(packed.logits(images, count), reference), [], what);
        const first = packed.logits(images.subarray(0, 3 * 784), 3);
        assert.deepEqual(bitDifferences(first, reference.subarray(0, 30)), [], `${what}, 3 images`);
      }
    }
  } finally {
    setBackend(before);
  }
});

test("residual records round-trip: decode(encode(spec)) is the same model and the same bytes", () => {
  const spec = compileModel(randomResidualModel("reactnet", 6, { scaling: true }));
  const bytes = encodePacked(spec);
  const back = decodePacked(bytes);
  assert.deepEqual(back, spec);
  assert.deepEqual(encodePacked(back), bytes);
});

for (const name of ["birealnet", "reactnet"] as const) {
  test(`${name}: summary's 1-bit size is the .bnn size within 3%`, () => {
    const model = randomResidualModel(name, 7, { width: 32, blocks: [4, 3] });
    const file = encodePacked(compileModel(model)).length;
    const summary = summarize(model).totals.memoryBytes;
    assert.ok(Math.abs(file - summary) / summary < 0.03, `file ${file} B, summary ${summary} B`);
  });
}
