import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import { createOptimizer, optimizerNames, type OptimizerStateDict } from "../../src/optim/index.js";
import type { ParamTensor } from "../../src/optim/index.js";
import { Rng } from "../../src/util/random.js";
import { decodeFloat32, encodeFloat32 } from "../../src/optim/statedict.js";
import { assertSameBits, f32, randomArray } from "./helpers.js";

const shapes = [
  { name: "w1", n: 40, binary: true },
  { name: "b1", n: 7, binary: false },
  { name: "w2", n: 19, binary: true },
];

function problem(seed: number): { x0: Float32Array[]; grads: Float32Array[][] } {
  const rng = new Rng(seed);
  return {
    x0: shapes.map(({ n }) => randomArray(rng, n, 1)),
    grads: Array.from({ length: 8 }, () => shapes.map(({ n }) => randomArray(rng, n, 0.3))),
  };
}

function params(x: Float32Array[], g: Float32Array[]): ParamTensor[] {
  return shapes.map((s, i) => ({ name: s.name, value: x[i], grad: g[i], binary: s.binary }));
}

// Options that exercise every state array (momentum for sgd) and a moving learning rate.
const options: Record<string, object> = { sgd: { momentum: 0.9, lr: 0.05 }, bop: { gamma: 0.01 } };

describe("state dict round trip: save at step k, load into a fresh optimizer, continue: bit-identical", () => {
  for (const name of optimizerNames) {
    test(name, () => {
      const { x0, grads } = problem(3);
      const lrAt = (k: number): number => 0.01 / (1 + k);
      const straight = x0.map((x) => x.slice());
      const a = createOptimizer(name, options[name] ?? {});
      grads.forEach((g, k) => {
        a.lr = lrAt(k);
        a.step(params(straight, g));
      });

      const resumed = x0.map((x) => x.slice());
      const first = createOptimizer(name, options[name] ?? {});
      grads.slice(0, 3).forEach((g, k) => {
        first.lr = lrAt(k);
        first.step(params(resumed, g));
      });
      const saved = JSON.parse(JSON.stringify(first.stateDict())) as OptimizerStateDict;
      const second = createOptimizer(name); // default options: the state brings its own
      second.loadStateDict(saved);
      assert.equal(second.stepCount, 3);
      assert.deepEqual(second.options, first.options);
      grads.slice(3).forEach((g, k) => {
        second.lr = lrAt(k + 3);
        second.step(params(resumed, g));
      });
      resumed.forEach((x, i) => assertSameBits(x, straight[i], `tensor ${i}`));
      assert.deepEqual(second.stateDict(), a.stateDict());
    });
  }
});

test("the encoding is lossless for every bit pattern (-0, subnormals, infinities, NaN payloads)", () => {
  const bits = Uint32Array.from([
    0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc01234, 0xffbfffff, 0x3f800000,
  ]);
  const a = new Float32Array(bits.buffer);
  const encoded = encodeFloat32(a);
  assert.equal(encoded, Buffer.from(bits.buffer).toString("base64")); // little-endian bytes
  const decoded = decodeFloat32(JSON.parse(JSON.stringify(encoded)), a.length);
  assert.ok(decoded !== null);
  assert.deepEqual([...new Uint32Array(decoded.buffer)], [...bits]);
  assert.equal(decodeFloat32(encoded, a.length + 1), null);
  assert.equal(decodeFloat32(encoded.slice(1), a.length), null);
  assert.equal(decodeFloat32(42, 0), null);
  // A subarray encodes only its own bytes.
  assert.equal(encodeFloat32(a.subarray(2, 3)), Buffer.from(bits.buffer, 8, 4).toString("base64"));
});

test("the state before the first step round-trips, and restores options and lr", () => {
  const a = createOptimizer("bamsprod", { gamma: 0.01, lam: 0.5 });
  a.lr = 0.004;
  const b = createOptimizer("bamsprod");
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())) as OptimizerStateDict);
  assert.equal(b.lr, 0.004);
  assert.equal(b.options.gamma, 0.01);
  assert.equal(b.options.lam, 0.5);
  assert.equal(b.stepCount, 0);
});

describe("refused state dicts leave the optimizer untouched", () => {
  function stepped(name: "adam" | "bamsprod" = "adam") {
    const opt = createOptimizer(name, { lr: 0.01 });
    const x = [f32(0.5, -0.5, 0.2), f32(1, 2)];
    opt.step([
      { name: "w", value: x[0], grad: f32(0.1, 0.2, 0.3), binary: true },
      { name: "b", value: x[1], grad: f32(1, -1) },
    ]);
    return opt;
  }

  const cases: [string, (d: OptimizerStateDict) => unknown, RegExp][] = [
    ["another optimizer", (d) => ({ ...d, optimizer: "amsgrad" }), /from optimizer "amsgrad", not "adam"/],
    ["not a state dict", () => [1, 2], /expected the object returned by stateDict/],
    ["wrong format", (d) => ({ ...d, format: "x" }), /not an optimizer state/],
    ["negative step", (d) => ({ ...d, step: -1 }), /step must be a whole number/],
    ["bad lr", (d) => ({ ...d, lr: 0 }), /lr must be a finite number > 0, got 0/],
    ["unknown option", (d) => ({ ...d, options: { ...d.options, betas1: 0.9 } }), /unknown option "betas1"/],
    [
      "option out of range",
      (d) => ({ ...d, options: { ...d.options, beta2: 1 } }),
      /beta2 must be a number in \[0, 1\)/,
    ],
    [
      "fewer tensors",
      (d) => ({ ...d, tensors: d.tensors!.slice(0, 1) }),
      /holds 1 tensors but this optimizer updates 2/,
    ],
    [
      "a tensor of another length",
      (d) => ({ ...d, tensors: [{ ...d.tensors![0], length: 4 }, d.tensors![1]] }),
      /has length 4 .* but length 3/,
    ],
    [
      "an array of the wrong size",
      (d) => ({
        ...d,
        tensors: [
          { ...d.tensors![0], state: { ...d.tensors![0].state, m: Buffer.alloc(8).toString("base64") } },
          d.tensors![1],
        ],
      }),
      /state m of tensor "w" \(params\[0\]\) is not base64 of 3 float32 values/,
    ],
    [
      "corrupt base64",
      (d) => ({
        ...d,
        tensors: [{ ...d.tensors![0], state: { ...d.tensors![0].state, v: "@@@@" } }, d.tensors![1]],
      }),
      /state v of tensor "w"/,
    ],
    [
      "missing state array",
      (d) => ({ ...d, tensors: [{ ...d.tensors![0], state: { m: d.tensors![0].state.m } }, d.tensors![1]] }),
      /must hold state \[m, v\]/,
    ],
    [
      "tensors null after steps",
      (d) => ({ ...d, tensors: null }),
      /tensors must be an array after the first step/,
    ],
  ];
  for (const [label, corrupt, message] of cases) {
    test(label, () => {
      const opt = stepped();
      const before = JSON.stringify(opt.stateDict());
      const bad = corrupt(JSON.parse(before) as OptimizerStateDict);
      assert.throws(
        () => opt.loadStateDict(bad as OptimizerStateDict),
        (e: unknown) => e instanceof BamsprodError && message.test(e.message),
      );
      assert.equal(JSON.stringify(opt.stateDict()), before);
    });
  }

  test("a fresh optimizer checks sizes at its next step", () => {
    const saved = stepped().stateDict();
    const opt = createOptimizer("adam");
    opt.loadStateDict(saved);
    const before = JSON.stringify(opt.stateDict());
    const x = f32(0.5, -0.5);
    assert.throws(
      () =>
        opt.step([
          { name: "w", value: x, grad: f32(1, 1), binary: true },
          { name: "b", value: f32(1, 2), grad: f32(1, -1) },
        ]),
      /"w" \(params\[0\]\) changed its length from 3 to 2 at step 2/,
    );
    assert.deepEqual([...x], [0.5, -0.5]);
    assert.equal(JSON.stringify(opt.stateDict()), before);
  });
});
