import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchNorm, getQuantizer, Sequential, Flatten } from "../../src/nn/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/random.js";
import { foldScaleShift, foldThreshold } from "../../src/export/fold.js";

const sign = getQuantizer("ste_sign");

/** A built batch-norm over `channels` features with the given per-channel statistics. */
function batchNorm(stats: {
  gamma: number[];
  beta: number[];
  mean: number[];
  variance: number[];
}): BatchNorm {
  const bn = new BatchNorm();
  new Sequential([new Flatten(), bn], { inputShape: [stats.gamma.length] });
  const [gamma, beta] = bn.parameters().map((p) => p.tensor.data);
  const [mean, variance] = bn.buffers().map((b) => b.data);
  gamma.set(stats.gamma);
  beta.set(stats.beta);
  mean.set(stats.mean);
  variance.set(stats.variance);
  return bn;
}

/** sign(bn(x)) of the engine for one value per channel. */
function engineSigns(bn: BatchNorm, values: number[]): number[] {
  const y = bn.forward(new Tensor(Float32Array.from(values), [1, values.length]), {
    training: false,
    rng: new Rng(0),
  });
  return Array.from(sign.apply(y).data);
}

test("integer thresholds, derived by hand: sign(+-(x - 10.5)), constant channels for gamma = 0", () => {
  // variance + eps = 1 so y = gamma * (x - mean) + beta: the switch of x - 10.5 is between 10 and 11.
  const bn = batchNorm({
    gamma: [1, -1, 0, 0, 2],
    beta: [0, 0, 0.5, -0.5, -3],
    mean: [10.5, 10.5, 0, 0, 0],
    variance: [1 - 1e-3, 1 - 1e-3, 1, 1, 1 - 1e-3],
  });
  const t = foldThreshold({ bn, channels: 5, rank: 1 }, sign, { kind: "integer", bound: 64 });
  // +1 iff x >= 11; +1 iff x < 11 (flipped); always +1; always -1; 2x - 3 >= 0 iff x >= 2.
  assert.deepEqual(Array.from(t.thresholds), [11, 11, Infinity, Infinity, 2]);
  assert.deepEqual(Array.from(t.flip), [0, 1, 1, 0, 0]);
});

test("integer thresholds reproduce sign(bn(x)) on every integer of the domain, random statistics", () => {
  const rng = new Rng(3);
  const channels = 64;
  const r = (a: number, b: number): number[] =>
    Array.from({ length: channels }, () => a + (b - a) * rng.uniform());
  const bn = batchNorm({ gamma: r(-2, 2), beta: r(-1, 1), mean: r(-20, 20), variance: r(1, 300) });
  const bound = 100;
  const t = foldThreshold({ bn, channels, rank: 1 }, sign, { kind: "integer", bound });
  for (let s = -bound; s <= bound; s++) {
    const expected = engineSigns(bn, new Array<number>(channels).fill(s));
    const folded = expected.map((_, c) => (s >= t.thresholds[c] !== (t.flip[c] === 1) ? 1 : -1));
    assert.deepEqual(folded, expected, `at s = ${s}`);
  }
});

test("real thresholds are the exact float32 switch point of sign(bn(x))", () => {
  const bn = batchNorm({
    gamma: [0.37, -1.3, 1e-20],
    beta: [0.1, 0.2, 0],
    mean: [1 / 3, -2.5, 0.5],
    variance: [0.7, 2, 1],
  });
  const t = foldThreshold({ bn, channels: 3, rank: 1 }, sign, { kind: "real" });
  for (let c = 0; c < 3; c++) {
    const th = t.thresholds[c];
    const below = nextDown(th);
    const signs = (x: number): number => engineSigns(bn, [x, x, x])[c];
    // The engine's sign changes exactly between the float below the threshold and the threshold.
    assert.notEqual(signs(below), signs(th), `channel ${c}`);
    assert.equal(signs(th), t.flip[c] === 1 ? -1 : 1);
  }
  // Channel 0: bn(x) = 0 near x = mean - beta * sqrt(var + eps) / gamma.
  assert.ok(Math.abs(t.thresholds[0] - (1 / 3 - (0.1 * Math.sqrt(0.701)) / 0.37)) < 1e-6);
});

function nextDown(x: number): number {
  const f = new Float32Array([x]);
  const i = new Int32Array(f.buffer);
  i[0] += x > 0 ? -1 : 1;
  return f[0];
}

test("scale/shift folding equals the layer on every integer input, and the hand formula", () => {
  const bn = batchNorm({ gamma: [2, -0.5], beta: [1, 0], mean: [3, -1], variance: [4 - 1e-3, 0.25 - 1e-3] });
  const f = foldScaleShift({ bn, channels: 2, rank: 1 }, { kind: "integer", bound: 50 });
  // y = gamma (x - mean) / sqrt(var + eps) + beta = (x - 3) + 1 and -(x + 1).
  assert.ok(Math.abs(f.scale[0] - 1) < 1e-7 && Math.abs(f.shift[0] - -2) < 1e-6);
  assert.ok(Math.abs(f.scale[1] - -1) < 1e-6 && Math.abs(f.shift[1] - -1) < 1e-6);
});
