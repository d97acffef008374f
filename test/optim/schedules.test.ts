import assert from "node:assert/strict";
import { test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import { constant, cosine, exponential, stepDecay, warmup } from "../../src/optim/schedules.js";
import { createOptimizer } from "../../src/optim/index.js";

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;

test("constant", () => {
  assert.equal(constant()(0), 1);
  assert.equal(constant(0.5)(1000), 0.5);
});

test("stepDecay: factor^floor(step / every)", () => {
  const s = stepDecay(10, 0.5);
  assert.deepEqual([0, 9, 10, 19, 20, 35].map(s), [1, 1, 0.5, 0.5, 0.25, 0.125]);
});

test("exponential: rate^(step / every)", () => {
  assert.ok(close(exponential(0.9)(3), 0.729));
  assert.ok(close(exponential(0.5, 10)(5), Math.SQRT1_2));
  assert.equal(exponential(0.5, 10)(0), 1);
});

test("cosine: 1 at 0, half-way at total/2, minFactor at total and after", () => {
  const s = cosine(100, 0.1);
  assert.equal(s(0), 1);
  assert.ok(close(s(50), 0.55));
  assert.ok(close(s(100), 0.1));
  assert.ok(close(s(500), 0.1));
  assert.ok(close(cosine(4)(1), (1 + Math.cos(Math.PI / 4)) / 2));
});

test("warmup: linear ramp to the next schedule's start, then the next schedule counted from the ramp's end", () => {
  const s = warmup(4, cosine(10));
  assert.deepEqual([0, 1, 2, 3].map(s), [0.25, 0.5, 0.75, 1]);
  assert.equal(s(4), 1);
  assert.ok(close(s(9), 0.5));
  assert.equal(s(14), 0);
  const toHalf = warmup(2, constant(0.5));
  assert.deepEqual([0, 1, 2, 50].map(toHalf), [0.25, 0.5, 0.5, 0.5]);
  assert.equal(warmup(3)(10), 1);
});

test("schedules are pure and compose with an optimizer's lr", () => {
  const s = warmup(500, cosine(10_000));
  assert.equal(s(700), s(700));
  const opt = createOptimizer("adam", { lr: 0.01 });
  const base = opt.lr;
  opt.lr = base * s(0);
  assert.ok(close(opt.lr, 0.01 / 500));
  opt.lr = base * s(5_500);
  assert.ok(close(opt.lr, 0.005));
});

test("bad arguments are refused with the offending value", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => constant(0), /constant: factor must be a finite number > 0, got 0/],
    [() => stepDecay(0, 0.5), /stepDecay: every must be a whole number >= 1, got 0/],
    [() => stepDecay(10, 1.5), /stepDecay: factor must be in \(0, 1\], got 1.5/],
    [() => exponential(0), /exponential: rate must be in \(0, 1\], got 0/],
    [() => exponential(0.9, 2.5), /every must be a whole number >= 1, got 2.5/],
    [() => cosine(0), /cosine: total must be a whole number >= 1/],
    [() => cosine(10, -0.1), /minFactor must be in \[0, 1\], got -0.1/],
    [() => warmup(NaN), /warmup: steps must be a whole number >= 1, got NaN/],
    [() => warmup(5, 3 as unknown as () => number), /must be a function, got 3/],
    [() => cosine(10)(-1), /cosine schedule: the step must be a whole number >= 0, got -1/],
    [() => warmup(10)(1.5), /the step must be a whole number >= 0, got 1.5/],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof BamsprodError && message.test(e.message), String(message));
  }
});
