import { test } from "node:test";
import assert from "node:assert/strict";
import { backward, softmaxCrossEntropy, Tensor } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { BamsprodError } from "../../src/util/errors.js";
import { buildModel, formatSummary, summarize } from "../../src/nn/index.js";
import { createOptimizer, optimizerNames } from "../../src/optim/index.js";
import { uniform } from "./helpers.js";

const small = { width: 4, blocks: [1, 2] as [number, number] };

test("birealnet and reactnet build for 28x28 grayscale and 32x32 RGB with any class count", () => {
  for (const name of ["birealnet", "reactnet"]) {
    const cases: Array<[number[], number]> = [
      [[1, 28, 28], 10],
      [[3, 32, 32], 7],
    ];
    for (const [inputShape, classes] of cases) {
      const model = buildModel(name, { ...small, inputShape, classes });
      const y = model.forward(
        new Tensor(uniform(2 * inputShape.reduce((a, b) => a * b), new Rng(1), 0, 255), [2, ...inputShape]),
        {
          training: false,
          rng: new Rng(1),
        },
      );
      assert.deepEqual(y.shape, [2, classes]);
    }
  }
  assert.throws(() => buildModel("birealnet", { inputShape: [1, 30, 30] }), BamsprodError);
  assert.throws(() => buildModel("reactnet", { width: 0 }), /width must be a positive integer/);
});

test("summary: input precision per layer and the binary share of the MACs (birealnet width 32)", () => {
  const s = summarize(buildModel("birealnet"));
  const byKind = (kind: string) => s.rows.filter((r) => r.kind === kind);
  assert.ok(byKind("quant_conv2d").every((r) => r.inputBits === 1));
  assert.ok(byKind("conv2d").every((r) => r.inputBits === 32));
  assert.ok(byKind("batch_norm").every((r) => r.inputBits === null));
  // 4 blocks 32->32 at 14x14, one 32->64 with stride 2 and 2 blocks 64->64 at 7x7, 3x3 kernels.
  const binary = 9 * (4 * 196 * 32 * 32 + 49 * 64 * 32 + 2 * 49 * 64 * 64);
  const float = 784 * 32 * 9 + 49 * 64 * 32 + 64 * 10;
  assert.equal(s.totals.binaryMacs, binary);
  assert.equal(s.totals.floatMacs, float);
  assert.equal(s.totals.binaryMacShare, binary / (binary + float));
  assert.match(formatSummary(s), /Input bits/);
  assert.match(formatSummary(s), /\(97\.\d% binary\)/);
  const wide = summarize(buildModel("reactnet", { width: 64 }));
  assert.ok(wide.totals.binaryParams > 3.9 * s.totals.binaryParams);
});

test("birealnet and reactnet train with every optimizer: finite losses, every parameter kind updated; BAMSProd lowers the loss", () => {
  const x = new Tensor(uniform(8 * 784, new Rng(2), 0, 255), [8, 1, 28, 28]);
  const labels = [0, 1, 2, 3, 4, 5, 6, 7];
  for (const name of ["birealnet", "reactnet"]) {
    for (const optimizer of optimizerNames) {
      const model = buildModel(name, { ...small, seed: 1 });
      const params = model.parameters();
      const before = params.map((p) => Float32Array.from(p.tensor.data));
      const opt = createOptimizer(optimizer, optimizer === "bop" ? {} : { lr: 0.01 });
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        for (const p of params) p.tensor.grad?.fill(0);
        const loss = softmaxCrossEntropy(model.forward(x, { training: true, rng: new Rng(step) }), labels);
        losses.push(loss.data[0]);
        backward(loss);
        opt.step(
          params.map((p) => ({
            name: p.name,
            value: p.tensor.data,
            grad: p.tensor.gradBuffer(),
            binary: p.binary,
          })),
        );
      }
      assert.ok(losses.every(Number.isFinite), `${name} ${optimizer}: ${losses.join(", ")}`);
      const changed = params.filter((p, i) => p.tensor.data.some((v, j) => v !== before[i][j]));
      assert.ok(
        changed.length > params.length / 2,
        `${name} with ${optimizer}: ${changed.length} of ${params.length} updated`,
      );
      if (optimizer === "bamsprod") assert.ok(losses[3] < losses[0], `${name}: loss ${losses.join(" -> ")}`);
    }
  }
});

test("birealnet and reactnet round-trip through model.config(): same layers, same logits", async () => {
  const { modelFromConfig } = await import("../../src/nn/index.js");
  for (const name of ["birealnet", "reactnet"]) {
    const model = buildModel(name, { ...small, scaling: true, seed: 4 });
    const again = modelFromConfig(JSON.parse(JSON.stringify(model.config())));
    assert.deepEqual(again.config(), model.config());
    const x = new Tensor(uniform(2 * 784, new Rng(3), 0, 255), [2, 1, 28, 28]);
    const ctx = { training: false, rng: new Rng(1) };
    assert.deepEqual([...again.forward(x, ctx).data], [...model.forward(x, ctx).data]);
  }
});
