/**
 * What the packed model promises (docs/format.md): logits equal to evaluation mode's on every
 * image it reports certain, whatever order the float kernels sum the real-valued first layer
 * in. The tests run with the portable kernels and again with the native ones (run-tests.js),
 * and here against a kernel set that sums in yet another order (reversed, in float32).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileModel, encodePacked, loadPacked, PackedModel } from "../../src/export/index.js";
import type { PackedSpec } from "../../src/export/index.js";
import { getBackend, setBackend, type Backend } from "../../src/kernels/index.js";
import { bitDifferences, firstImages, randomModel, referenceLogits } from "./helpers.js";

/** The current backend, except that gemm sums each dot product backwards in float32. */
function reversedGemm(base: Backend): Backend {
  const gemm: Backend["kernels"]["gemm"] = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = k - 1; p >= 0; p--) {
          const av = transA ? a[p * m + i] : a[i * k + p];
          const bv = transB ? b[j * k + p] : b[p * n + j];
          s = Math.fround(s + Math.fround(av * bv));
        }
        c[i * n + j] = Math.fround(alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]));
      }
  };
  return { ...base, name: "reversed", kernels: { ...base.kernels, gemm } };
}

test("bmlp: logits equal evaluation mode's on every certain image, with a gemm summing in another order", () => {
  const model = randomModel("bmlp", 9);
  const packed = loadPacked(encodePacked(compileModel(model)));
  const { images, count } = firstImages(200);
  const base = getBackend();
  const reversed = reversedGemm(base);
  setBackend(reversed);
  let reference: Float32Array;
  try {
    reference = referenceLogits(model, images, count, 64);
  } finally {
    setBackend(base);
  }
  const ours = packed.logits(images, count);
  const certain = packed.certain(images, count);
  const covered = [...certain].filter((v) => v === 1).length;
  // The bound is the worst case of any summation order (2 gamma_784 sum |x| ~ 0.07 here), so with
  // 512 thresholds per image many images have a value that close to one: about half here.
  assert.ok(covered >= 0.25 * count, `only ${covered} of ${count} images certain`);
  for (let i = 0; i < count; i++) {
    if (certain[i] === 0) continue;
    const diff = bitDifferences(ours.subarray(i * 10, i * 10 + 10), reference.subarray(i * 10, i * 10 + 10));
    assert.deepEqual(diff, [], `image ${i}`);
  }
  // The two orders do round differently (else this test would show nothing).
  const x = Float32Array.from({ length: 4 * 784 }, (_, i) => Math.fround(Math.sin(i) * 0.999));
  const w = Float32Array.from({ length: 8 * 784 }, (_, i) => ((i * 7919) % 3 === 0 ? -1 : 1));
  const [y1, y2] = [new Float32Array(32), new Float32Array(32)];
  base.kernels.gemm(false, true, 4, 8, 784, 1, x, w, 0, y1);
  reversed.kernels.gemm(false, true, 4, 8, 784, 1, x, w, 0, y2);
  assert.ok(bitDifferences(y1, y2).length > 0);
});

/** Two pixels summed by a real-valued dense layer (weights +1, +1), thresholded at `t`, then 2 logits. */
function tinySpec(t: number): PackedSpec {
  return {
    inputShape: [1, 1, 2],
    classes: 2,
    info: {},
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        inFeatures: 2,
        outFeatures: 1,
        binaryInput: false,
        kernel: { kind: "bits", bits: new Uint8Array(1) },
      },
      { type: "threshold", thresholds: Float32Array.of(t), flip: new Uint8Array(1) },
      {
        type: "dense",
        inFeatures: 1,
        outFeatures: 2,
        binaryInput: true,
        kernel: { kind: "bits", bits: Uint8Array.of(2) },
      },
    ],
  };
}

test("certain: 0 for an image whose real-valued sum lies within rounding distance of its threshold, else 1", () => {
  const model = new PackedModel(tinySpec(150));
  const images = Float32Array.of(100.5, 49.5, 100.5, 48.5, 100, 50, 0, 0, 255, 255);
  // Sums 150 (at the threshold, fractional inputs: uncertain), 149 (one unit away, far beyond
  // 2 gamma_2 149), 150 again but from integers (exact in every order: certain), 0 and 510.
  assert.deepEqual([...model.certain(images, 5)], [0, 1, 1, 1, 1]);
  assert.deepEqual([...model.predict(images, 5)], [0, 1, 0, 1, 0]);
});
