import assert from "node:assert/strict";
import { test } from "node:test";
import { elementwise } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, gradientError, param } from "./gradcheck.js";

const tanh = (v: number) => Math.tanh(v);
const dtanh = (v: number) => 1 - Math.tanh(v) ** 2;

test("gradcheck accepts a correct derivative", () => {
  const x = param([3, 5], new Rng(1), 2);
  checkGradients(() => elementwise(x, tanh, dtanh), [x]);
});

test("gradcheck rejects a derivative that is 3% off, so the op checks can fail", () => {
  const x = param([3, 5], new Rng(1), 2);
  const { ratio } = gradientError(() => elementwise(x, tanh, (v) => 1.03 * dtanh(v)), [x]);
  assert.ok(ratio > 1, `a 3% error went unnoticed (ratio ${ratio})`);
});
