import assert from "node:assert/strict";
import { test } from "node:test";
import { convGeometry, portableKernels, type ConvGeometry } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { maxRelError, naiveConv, naiveConvFilterGrad, naiveConvInputGrad, randomArray } from "./reference.js";

const cases: {
  x: number[];
  w: number[];
  stride: number | [number, number];
  padding: number | [number, number];
}[] = [
  { x: [2, 3, 7, 5], w: [4, 3, 3, 3], stride: 1, padding: 1 },
  { x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: 2, padding: 1 },
  { x: [1, 2, 6, 9], w: [3, 2, 3, 2], stride: [2, 1], padding: [1, 0] },
  { x: [3, 4, 5, 4], w: [2, 4, 1, 1], stride: 1, padding: 0 },
  { x: [2, 4, 5, 4], w: [2, 4, 1, 1], stride: 2, padding: 0 },
  { x: [1, 1, 4, 4], w: [2, 1, 5, 5], stride: 1, padding: 2 },
];

function eachCase(check: (g: ConvGeometry, rng: Rng) => void) {
  cases.forEach((c, i) => check(convGeometry(c.x, c.w, c.stride, c.padding), new Rng(100 + i)));
}

function sizes(g: ConvGeometry) {
  return {
    x: g.batch * g.inChannels * g.inHeight * g.inWidth,
    w: g.outChannels * g.inChannels * g.kernelH * g.kernelW,
    y: g.batch * g.outChannels * g.outHeight * g.outWidth,
  };
}

test("conv2dForward equals a direct convolution (strides, padding, 1x1, non-square)", () => {
  eachCase((g, rng) => {
    const s = sizes(g);
    const x = randomArray(s.x, rng);
    const w = randomArray(s.w, rng);
    const y = new Float32Array(s.y).fill(NaN);
    portableKernels.conv2dForward(x, w, g, y);
    assert.ok(maxRelError(y, naiveConv(x, w, g)) < 1e-6);
  });
});

test("conv2dBackwardInput overwrites dx with the direct adjoint", () => {
  eachCase((g, rng) => {
    const s = sizes(g);
    const dy = randomArray(s.y, rng);
    const w = randomArray(s.w, rng);
    const dx = new Float32Array(s.x).fill(123);
    portableKernels.conv2dBackwardInput(dy, w, g, dx);
    assert.ok(maxRelError(dx, naiveConvInputGrad(dy, w, g)) < 1e-6);
  });
});

test("conv2dBackwardFilter accumulates the direct filter gradient", () => {
  eachCase((g, rng) => {
    const s = sizes(g);
    const x = randomArray(s.x, rng);
    const dy = randomArray(s.y, rng);
    const dw = new Float32Array(s.w).fill(0.5);
    portableKernels.conv2dBackwardFilter(x, dy, g, dw);
    const want = naiveConvFilterGrad(x, dy, g).map((v) => v + 0.5);
    assert.ok(maxRelError(dw, want) < 1e-6);
  });
});
