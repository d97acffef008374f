import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  BatchNorm,
  buildModel,
  Dense,
  Flatten,
  formatSummary,
  QuantConv2D,
  Rescale,
  Residual,
  Sequential,
  summarize,
  type ModelSummary,
} from "../../src/nn/index.js";

const fmnist = { inputShape: [1, 28, 28], classes: 10, seed: 0 };

test("summarize(bmlp): hand-computed parameters, memory and MACs", () => {
  const s = summarize(buildModel("bmlp", fmnist));
  const dense = s.rows.filter((r) => r.kind === "quant_dense");
  assert.deepEqual(
    dense.map((r) => [r.binaryParams, r.floatParams, r.binaryMacs, r.floatMacs]),
    [
      [784 * 512, 0, 0, 784 * 512], // real pixels in: float MACs, 1-bit weights
      [512 * 512, 0, 512 * 512, 0],
      [512 * 10, 0, 512 * 10, 0],
    ],
  );
  const bn = s.rows.filter((r) => r.kind === "batch_norm");
  assert.deepEqual(
    bn.map((r) => [r.floatParams, r.memoryBytes]),
    [
      [4 * 512, 4 * 4 * 512],
      [4 * 512, 4 * 4 * 512],
      [4 * 10, 4 * 4 * 10],
    ],
  );
  assert.equal(dense[0].memoryBytes, (784 * 512) / 8);
  assert.equal(dense[0].float32Bytes, 784 * 512 * 4);
  const binary = 784 * 512 + 512 * 512 + 512 * 10; // 668,672
  const float = 4 * (512 + 512 + 10); // gamma, beta, moving mean and variance: 4,136
  assert.deepEqual(s.totals, {
    binaryParams: binary,
    floatParams: float,
    trainableParams: binary + float / 2,
    memoryBytes: binary / 8 + 4 * float, // 100,128
    float32Bytes: 4 * (binary + float), // 2,691,232
    compression: (4 * (binary + float)) / (binary / 8 + 4 * float),
    binaryMacs: 512 * 512 + 512 * 10,
    floatMacs: 784 * 512,
    binaryMacShare: (512 * 512 + 512 * 10) / (512 * 512 + 512 * 10 + 784 * 512),
  });
  assert.deepEqual(s.rows[1].outputShape, [784]);
});

test("summarize(bcnn): conv MACs and totals", () => {
  const s = summarize(buildModel("bcnn", fmnist));
  const convs = s.rows.filter((r) => r.kind === "quant_conv2d");
  assert.deepEqual(
    convs.map((r) => [r.binaryMacs, r.floatMacs]),
    [
      [0, 28 * 28 * 32 * 1 * 9],
      [28 * 28 * 32 * 32 * 9, 0],
      [14 * 14 * 64 * 32 * 9, 0],
      [14 * 14 * 64 * 64 * 9, 0],
    ],
  );
  assert.equal(
    s.totals.binaryMacs,
    28 * 28 * 32 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 14 * 14 * 64 * 64 * 9 + 3136 * 512 + 512 * 10,
  );
  assert.equal(s.totals.floatMacs, 28 * 28 * 32 * 9);
  // Full-precision twin: everything float.
  const f = summarize(buildModel("cnn", fmnist));
  assert.equal(f.totals.binaryParams, 0);
  assert.equal(f.totals.binaryMacs, 0);
  assert.equal(f.totals.floatMacs, s.totals.binaryMacs + s.totals.floatMacs);
  assert.equal(f.totals.compression, 1);
});

test("formatSummary prints one line per layer and the totals", () => {
  const text = formatSummary(summarize(buildModel("bmlp", fmnist)));
  const lines = text.split("\n");
  assert.match(lines[0], /Model bmlp, input \[1, 28, 28\]/);
  assert.ok(
    lines.some((l) =>
      /^quant_dense_1\s+quant_dense\s+\[512\]\s+32\s+401,408\s+0\s+49\.00 KiB\s+0\s+401,408$/.test(l),
    ),
    text,
  );
  assert.ok(
    lines.some((l) => /^Total\s.*668,672\s+4,136\s+97\.78 KiB\s+267,264\s+401,408$/.test(l)),
    text,
  );
  assert.match(text, /2\.57 MiB at 32 bits \(26\.88x smaller\)/);
  assert.match(text, /267,264 binary, 401,408 float \(40\.0% binary\)/);
});

test("bamsprod summary --model bmlp --json prints the same summary; a bad model name is a one-line error", () => {
  const cli = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const ok = spawnSync(process.execPath, [cli, "summary", "--model", "bmlp", "--json"], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const parsed = JSON.parse(ok.stdout) as ModelSummary;
  assert.deepEqual(parsed, JSON.parse(JSON.stringify(summarize(buildModel("bmlp", fmnist)))));
  const bad = spawnSync(process.execPath, [cli, "summary", "--model", "nope"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.match(
    bad.stderr,
    /--model "nope" is not a built-in model \(bmlp, bcnn, mlp, cnn, birealnet, reactnet\), a .json model file, a run directory or a .bnn file/,
  );
  const shape = spawnSync(process.execPath, [cli, "summary", "--model", "bcnn", "--input-shape", "3,32"], {
    encoding: "utf8",
  });
  assert.notEqual(shape.status, 0);
  assert.match(shape.stderr, /input-shape/);
});

test("summarize lists a residual block's layers once each, then the block's addition", () => {
  const model = new Sequential(
    [
      new Rescale(),
      new QuantConv2D({
        filters: 4,
        kernelSize: 3,
        padding: "same",
        kernelQuantizer: "ste_sign",
        useBias: false,
      }),
      new Residual([
        new QuantConv2D({
          filters: 4,
          kernelSize: 3,
          padding: "same",
          inputQuantizer: "ste_sign",
          kernelQuantizer: "ste_sign",
          useBias: false,
        }),
        new BatchNorm(),
      ]),
      new Flatten(),
      new Dense({ units: 2 }),
    ],
    { inputShape: [1, 5, 5], classes: 2 },
  );
  const s = summarize(model);
  assert.deepEqual(
    s.rows.map((r) => [r.name, r.binaryParams, r.floatParams, r.binaryMacs, r.floatMacs]),
    [
      ["rescale_1", 0, 0, 0, 0],
      ["quant_conv2d_1", 36, 0, 0, 25 * 36],
      ["quant_conv2d_2", 144, 0, 25 * 144, 0],
      ["batch_norm_1", 0, 16, 0, 0],
      ["residual_1", 0, 0, 0, 0],
      ["flatten_1", 0, 0, 0, 0],
      ["dense_1", 0, 100 * 2 + 2, 0, 200],
    ],
  );
  assert.equal(s.totals.trainableParams, 36 + 144 + 8 + 202);
});
