import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";

const special = Float32Array.from([-2, -1, -0.5, -0, 0, 0.5, 1, 2, Number.NaN, -Infinity, Infinity, 1e-30]);

test("signForward: +1 for x >= 0 (zeros included), -1 below, -1 for NaN", () => {
  const y = new Float32Array(special.length);
  portableKernels.signForward(special, y);
  assert.deepEqual([...y], [-1, -1, -1, 1, 1, 1, 1, 1, -1, -1, 1, 1]);
});

test("steBackward adds dy where |x| <= 1 (boundary included) and nothing elsewhere", () => {
  const dy = Float32Array.from(special, (_, i) => i + 1);
  const dx = new Float32Array(special.length).fill(10);
  portableKernels.steBackward(special, dy, dx);
  // |x| <= 1 at indices 1..6 and 11; NaN and +-2, +-Infinity pass nothing.
  assert.deepEqual([...dx], [10, 12, 13, 14, 15, 16, 17, 10, 10, 10, 10, 22]);
});

test("steBackward propagates a NaN gradient even where the mask is 0 (dy * 0 is NaN)", () => {
  const dx = new Float32Array(2);
  portableKernels.steBackward(Float32Array.from([5, 0.5]), Float32Array.from([Number.NaN, 1]), dx);
  assert.ok(Number.isNaN(dx[0]));
  assert.equal(dx[1], 1);
});

test("clipInPlace clamps to [-bound, bound], keeps NaN and -0", () => {
  const x = Float32Array.from(special);
  portableKernels.clipInPlace(x, 1);
  assert.deepEqual([...x], [-1, -1, -0.5, -0, 0, 0.5, 1, 1, Number.NaN, -1, 1, Math.fround(1e-30)]);
  assert.ok(Object.is(x[3], -0));
});

test("the element-wise kernels refuse outputs shorter than the input", () => {
  assert.throws(() => portableKernels.signForward(new Float32Array(3), new Float32Array(2)), /y has 2/);
  assert.throws(
    () => portableKernels.steBackward(new Float32Array(3), new Float32Array(3), new Float32Array(1)),
    /dx 1/,
  );
});
