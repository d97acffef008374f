import { test } from "node:test";
import { convGeometry, portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { naiveConv, randomArray } from "./reference.js";
import assert from "node:assert/strict";

const sign = (a: Float32Array): Float32Array => a.map((v) => (v >= 0 ? 1 : -1));

test("binaryConv2dForward equals the float convolution of the signs, zero padding contributing 0", () => {
  const rng = new Rng(50);
  const cases: [number[], number[], number, number][] = [
    [[2, 3, 5, 6], [4, 3, 3, 3], 1, 1],
    [[1, 2, 7, 7], [3, 2, 3, 2], 2, 2],
    [[2, 1, 4, 4], [2, 1, 1, 1], 1, 0],
  ];
  for (const [xs, ws, stride, padding] of cases) {
    const g = convGeometry(xs, ws, stride, padding);
    const x = randomArray(
      xs.reduce((p, v) => p * v, 1),
      rng,
    );
    x[0] = 0; // sign(0) = +1
    const w = randomArray(
      ws.reduce((p, v) => p * v, 1),
      rng,
    );
    const want = naiveConv(sign(x), sign(w), g);
    const y = new Float32Array(want.length).fill(Number.NaN);
    portableKernels.binaryConv2dForward(x, w, g, y);
    assert.deepEqual([...y], [...want], `x ${xs}, w ${ws}`);
  }
});

test("binaryConv2dForward: a padded border sees fewer taps (hand-checked corner)", () => {
  // All +1 input and kernel, 3x3 padding 1: a corner output covers 4 taps, an edge 6, the centre 9.
  const g = convGeometry([1, 1, 3, 3], [1, 1, 3, 3], 1, 1);
  const y = new Float32Array(9);
  portableKernels.binaryConv2dForward(new Float32Array(9).fill(0.3), new Float32Array(9).fill(2), g, y);
  assert.deepEqual([...y], [4, 6, 4, 6, 9, 6, 4, 6, 4]);
});
