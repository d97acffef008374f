import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BamsprodError } from "../../src/util/errors.js";
import {
  createOptimizer,
  optimizerNames,
  type OptimizerName,
  type ParamTensor,
} from "../../src/optim/index.js";
import { f32 } from "./helpers.js";

/** Asserts fn throws a BamsprodError whose message matches every pattern. */
function refused(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BamsprodError, `expected a BamsprodError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe("options", () => {
  test("an unknown optimizer name lists the valid names", () => {
    refused(
      () => createOptimizer("adamw"),
      /unknown optimizer "adamw"/,
      /sgd, adam, amsgrad, adabound, amsbound, bop, bamsprod/,
    );
    refused(() => createOptimizer("toString"), /unknown optimizer "toString"/);
  });

  test("a typo in an option name is refused, with a suggestion and the valid names", () => {
    refused(
      () => createOptimizer("adam", { betas1: 0.9 } as object),
      /adam: unknown option "betas1" \(did you mean "beta1"\?\); valid options are lr, beta1, beta2, eps, weightDecay, clip/,
    );
    refused(() => createOptimizer("sgd", { gamma: 0.1 } as object), /sgd: unknown option "gamma"/);
    refused(() => createOptimizer("bop", { clip: 1 } as object), /bop: unknown option "clip"/);
  });

  const outOfRange: [OptimizerName, string, unknown, RegExp][] = [
    ["adam", "lr", 0, /lr must be a finite number > 0, got 0/],
    ["adam", "lr", -1, /got -1/],
    ["adam", "lr", NaN, /got NaN/],
    ["adam", "lr", Infinity, /got Infinity/],
    ["adam", "lr", "0.1", /got "0.1"/],
    ["adam", "beta1", 1, /beta1 must be a number in \[0, 1\), got 1/],
    ["amsgrad", "beta2", -0.1, /beta2 must be a number in \[0, 1\)/],
    ["adam", "eps", 0, /eps must be a finite number > 0/],
    ["bamsprod", "gamma", 0, /gamma must be a finite number > 0/],
    ["bamsprod", "lam", -1, /lam must be a finite number >= 0/],
    ["bamsprod", "clip", 0, /clip must be null \(no clip\) or a finite number > 0/],
    ["adabound", "finalLr", 0, /finalLr must be a finite number > 0/],
    ["amsbound", "gamma", -1, /gamma must be a finite number > 0/],
    ["bop", "gamma", 1.5, /gamma must be a number in \(0, 1\]/],
    ["bop", "threshold", -1e-8, /threshold must be a finite number >= 0/],
    ["sgd", "momentum", 1, /momentum must be a number in \[0, 1\)/],
    ["sgd", "weightDecay", -0.1, /weightDecay must be a finite number >= 0/],
  ];
  for (const [name, option, value, message] of outOfRange) {
    test(`${name}: ${option} = ${String(value)} is refused`, () => {
      refused(
        () => createOptimizer(name, { [option]: value } as object),
        new RegExp(`^${name}: option ${option}`),
        message,
      );
    });
  }

  test("lr * weightDecay >= 1 is refused, at creation and when lr is set", () => {
    refused(() => createOptimizer("adam", { lr: 0.5, weightDecay: 2 }), /lr \* weightDecay must be < 1/);
    const opt = createOptimizer("adam", { lr: 0.01, weightDecay: 2 });
    refused(() => (opt.lr = 0.6), /lr 0.6 and weightDecay 2/);
    assert.equal(opt.lr, 0.01);
  });

  test("setting lr to a bad value is refused and keeps the old lr", () => {
    const opt = createOptimizer("bamsprod", { lr: 0.01 });
    for (const bad of [0, -1, NaN, Infinity])
      refused(() => (opt.lr = bad), /bamsprod: lr must be a finite number > 0/);
    refused(() => (opt.lr = 0), /a schedule that reaches 0/);
    assert.equal(opt.lr, 0.01);
  });

  test("options undefined count as absent; defaults fill the rest", () => {
    const opt = createOptimizer("adam", { lr: undefined, beta1: 0.8 });
    assert.deepEqual(opt.options, { lr: 1e-3, beta1: 0.8, beta2: 0.999, eps: 1e-8, weightDecay: 0, clip: 1 });
    refused(() => createOptimizer("adam", 3 as unknown as object), /options must be an object/);
  });
});

/** Two tensors after one good step, and a snapshot to compare against after a refused step. */
function stepped(name: OptimizerName) {
  const opt = createOptimizer(name, name === "sgd" ? { momentum: 0.9 } : {});
  const params: ParamTensor[] = [
    { name: "w", value: f32(0.5, -0.5, 0.25), grad: f32(0.1, -0.2, 0.3), binary: true },
    { name: "b", value: f32(1, 2), grad: f32(0.5, -0.5) },
  ];
  opt.step(params);
  const snapshot = () => ({
    values: params.map((p) => [...p.value]),
    state: JSON.stringify(opt.stateDict()),
    step: opt.stepCount,
  });
  return { opt, params, before: snapshot(), snapshot };
}

describe("a refused step changes nothing", () => {
  for (const name of optimizerNames) {
    test(`${name}: NaN or Infinity in the last tensor's gradient, named with index and step`, () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const { opt, params, before, snapshot } = stepped(name);
        const grad = f32(0.1, 0.2);
        grad[1] = bad;
        refused(
          () => opt.step([params[0], { ...params[1], grad }]),
          new RegExp(
            `${name}.step: the gradient of "b" \\(params\\[1\\]\\) is ${String(bad)} at index 1 at step 2`,
          ),
        );
        assert.deepEqual(snapshot(), before);
      }
    });
  }

  test("a gradient beyond 1e19 is refused (its square would overflow float32); 1e19 itself is accepted", () => {
    const { opt, params, before, snapshot } = stepped("amsgrad");
    refused(
      () => opt.step([params[0], { ...params[1], grad: f32(1, -1e20) }]),
      /the gradient of "b" \(params\[1\]\) is -1\.0000000200408773e\+20, beyond \+-1e19 .* at index 1 at step 2/,
    );
    assert.deepEqual(snapshot(), before);
    opt.step([params[0], { ...params[1], grad: f32(1, -1e19) }]);
    assert.ok([...params[1].value].every(Number.isFinite));
  });

  const changes: [string, (p: ParamTensor[]) => unknown, RegExp][] = [
    [
      "value/grad length mismatch",
      (p) => [p[0], { ...p[1], grad: f32(1) }],
      /"b" \(params\[1\]\) has 2 values but 1 gradient entries/,
    ],
    ["a tensor fewer", (p) => [p[0]], /step 2 got 1 tensors, earlier steps had 2/],
    [
      "a tensor more",
      (p) => [...p, { value: f32(1), grad: f32(1) }],
      /step 2 got 3 tensors, earlier steps had 2/,
    ],
    [
      "a longer tensor",
      (p) => [p[0], { ...p[1], value: f32(1, 2, 3), grad: f32(1, 2, 3) }],
      /changed its length from 2 to 3/,
    ],
    [
      "a binary flag flipped",
      (p) => [p[0], { ...p[1], binary: true }],
      /changed its binary flag from false to true/,
    ],
    ["tensors swapped", (p) => [p[1], p[0]], /changed its name from "w" to "b"/],
    [
      "a plain array value",
      (p) => [p[0], { ...p[1], value: [1, 2] }],
      /the value of "b" \(params\[1\]\) must be a Float32Array/,
    ],
    [
      "a Float64Array grad",
      (p) => [p[0], { ...p[1], grad: new Float64Array(2) }],
      /the grad of "b" .* must be a Float32Array/,
    ],
    [
      "a non-boolean binary flag",
      (p) => [p[0], { ...p[1], binary: 1 }],
      /binary must be true or false, got 1/,
    ],
    ["not an array", () => ({}), /expected a non-empty array/],
    ["an empty list", () => [], /expected a non-empty array/],
    ["a null entry", (p) => [p[0], null], /params\[1\] must be \{ value, grad \}/],
  ];
  for (const name of ["bamsprod", "adam", "sgd", "bop"] as const) {
    for (const [label, change, message] of changes) {
      test(`${name}: ${label}`, () => {
        const { opt, params, before, snapshot } = stepped(name);
        refused(() => opt.step(change(params) as ParamTensor[]), message);
        assert.deepEqual(snapshot(), before);
        opt.step(params); // the optimizer still works afterwards
        assert.equal(opt.stepCount, 2);
      });
    }
  }
});
