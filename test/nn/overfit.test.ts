import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, backward, softmaxCrossEntropy } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { buildModel, type Sequential } from "../../src/nn/index.js";

/** Plain SGD on the model's own ops; returns the loss and training accuracy of every step. */
function overfit(
  model: Sequential,
  x: Tensor,
  labels: Uint8Array,
  steps: number,
  lr: number,
): { loss: number[]; accuracy: number[] } {
  const rng = new Rng(0);
  const params = model.parameters();
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let step = 0; step < steps; step++) {
    for (const p of params) p.tensor.zeroGrad();
    const logits = model.forward(x, { training: true, rng });
    const l = softmaxCrossEntropy(logits, labels);
    backward(l);
    for (const p of params) {
      const g = p.tensor.gradBuffer();
      const bound = p.binary ? 1 : Infinity; // plain SGD with the optimizers' clip of binary latent weights
      for (let i = 0; i < g.length; i++)
        p.tensor.data[i] = Math.min(Math.max(p.tensor.data[i] - lr * g[i], -bound), bound);
    }
    loss.push(l.item());
    accuracy.push(argmaxAccuracy(logits, labels));
  }
  return { loss, accuracy };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

function argmaxAccuracy(logits: Tensor, labels: Uint8Array): number {
  const [n, k] = logits.shape;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[i * k + j] > logits.data[i * k + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / n;
}

/** A tiny batch of random "images" (raw 0..255) with arbitrary labels: only memorization fits it. */
function tinyBatch(n: number, shape: number[], classes: number): { x: Tensor; labels: Uint8Array } {
  const rng = new Rng(42);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Tensor.from(
    Array.from({ length: n * size }, () => Math.floor(rng.uniform() * 256)),
    [n, ...shape],
  );
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { x, labels };
}

// Random pixels with arbitrary labels: only memorization fits them. Binary nets trained with
// SGD on latent weights oscillate (a sign flip changes the output discretely), so for them the
// checks are on the last five steps: mean loss well below the first five's, and 100% reached.
for (const [name, n, side] of [
  ["bmlp", 16, 6],
  ["mlp", 16, 6],
  ["bcnn", 8, 8],
  ["cnn", 8, 8],
] as const) {
  test(`a tiny ${name} memorizes a tiny batch with plain SGD`, () => {
    const { x, labels } = tinyBatch(n, [1, side, side], 4);
    const model = buildModel(name, { inputShape: [1, side, side], classes: 4, seed: 3 });
    const { loss, accuracy } = overfit(model, x, labels, 30, 0.2);
    const first = mean(loss.slice(0, 5));
    const last = mean(loss.slice(-5));
    assert.ok(
      last < 0.35 * first,
      `${name}: mean loss ${first} over the first 5 steps, ${last} over the last 5`,
    );
    assert.equal(Math.max(...accuracy.slice(-5)), 1, `${name}: accuracies ${accuracy.join(" ")}`);
    if (name === "mlp" || name === "cnn")
      assert.ok(
        accuracy.slice(-10).every((a) => a === 1),
        accuracy.join(" "),
      );
  });
}
