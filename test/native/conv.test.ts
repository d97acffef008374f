import { after, describe, test } from "node:test";
import { convGeometry, portableKernels } from "../../src/kernels/index.js";
import type { ConvGeometry } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { U32, absArray, addon, assertSame, assertWithin, native, randomArray, skip } from "./helpers.js";

// Shapes: [N, C, H, W], [O, C, KH, KW], stride, padding. Odd sizes, non-square kernels,
// strides 1-3, paddings 0-2, a kernel as large as the padded input, a large feature map (the
// native kernel goes image by image) and small maps with a batch that it splits into chunks
// of several images (4 MiB column budget: 18 + 18 + 4 images in the last case).
const cases: [number[], number[], number | [number, number], number | [number, number]][] = [
  [[1, 1, 5, 5], [1, 1, 3, 3], 1, 0],
  [[2, 3, 7, 9], [4, 3, 3, 2], 1, 1],
  [[3, 2, 8, 7], [5, 2, 3, 3], 2, 1],
  [
    [2, 4, 9, 11],
    [3, 4, 5, 3],
    [3, 2],
    [2, 1],
  ],
  [[1, 3, 4, 4], [2, 3, 6, 6], 1, 1],
  [[4, 5, 6, 6], [6, 5, 1, 1], 1, 0],
  [[2, 2, 5, 5], [3, 2, 2, 2], 2, 2],
  [[13, 16, 32, 32], [8, 16, 5, 5], 1, 2],
  [[40, 64, 10, 10], [8, 64, 5, 5], 1, 0],
];

// Tolerance: 2 (K + 2) u times the same convolution of absolute values, K = C*KH*KW the dot
// length (backward input: O*KH*KW terms; backward filter: N*OH*OW terms).
function bounds(g: ConvGeometry, length: number, absResult: Float32Array, start?: Float32Array): number[] {
  const scale = 2 * (length + 2) * U32;
  return Array.from(absResult, (v, i) => scale * (v + (start ? Math.abs(start[i]) : 0)) + 1e-30);
}

describe("native conv2d vs portable", { skip }, () => {
  let seed = 100;
  for (const [xs, ws, stride, padding] of cases) {
    const g = convGeometry(xs, ws, stride, padding);
    const label = `x ${xs.join("x")}, w ${ws.join("x")}, stride ${stride}, padding ${padding}`;
    const xSize = xs.reduce((p, v) => p * v, 1);
    const wSize = ws.reduce((p, v) => p * v, 1);
    const ySize = g.batch * g.outChannels * g.outHeight * g.outWidth;

    test(`forward, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = randomArray(rng, xSize);
      const w = randomArray(rng, wSize);
      const expected = new Float32Array(ySize);
      portableKernels.conv2dForward(x, w, g, expected);
      const actual = new Float32Array(ySize).fill(Number.NaN);
      native().conv2dForward(x, w, g, actual);
      const abs = new Float32Array(ySize);
      portableKernels.conv2dForward(absArray(x), absArray(w), g, abs);
      assertWithin(actual, expected, bounds(g, g.inChannels * g.kernelH * g.kernelW, abs), "forward");
    });

    test(`backward input (overwrites dx), ${label}`, () => {
      const rng = new Rng(seed++);
      const dy = randomArray(rng, ySize);
      const w = randomArray(rng, wSize);
      const expected = new Float32Array(xSize);
      portableKernels.conv2dBackwardInput(dy, w, g, expected);
      const actual = randomArray(rng, xSize); // garbage that must be overwritten
      native().conv2dBackwardInput(dy, w, g, actual);
      const abs = new Float32Array(xSize);
      portableKernels.conv2dBackwardInput(absArray(dy), absArray(w), g, abs);
      assertWithin(actual, expected, bounds(g, g.outChannels * g.kernelH * g.kernelW, abs), "backward input");
    });

    test(`backward filter (accumulates into dw), ${label}`, () => {
      const rng = new Rng(seed++);
      const x = randomArray(rng, xSize);
      const dy = randomArray(rng, ySize);
      const dw0 = randomArray(rng, wSize);
      const expected = dw0.slice();
      portableKernels.conv2dBackwardFilter(x, dy, g, expected);
      const actual = dw0.slice();
      native().conv2dBackwardFilter(x, dy, g, actual);
      const abs = new Float32Array(wSize);
      portableKernels.conv2dBackwardFilter(absArray(x), absArray(dy), g, abs);
      assertWithin(
        actual,
        expected,
        bounds(g, g.batch * g.outHeight * g.outWidth, abs, dw0),
        "backward filter",
      );
    });
  }

  test("inconsistent geometry is refused before any memory is touched", async () => {
    const { throws } = await import("node:assert/strict");
    const g = { ...convGeometry([1, 1, 4, 4], [1, 1, 3, 3]), outHeight: 9 };
    throws(
      () => native().conv2dForward(new Float32Array(16), new Float32Array(9), g, new Float32Array(81)),
      /inconsistent/,
    );
    const ok = convGeometry([1, 1, 4, 4], [1, 1, 3, 3]);
    throws(
      () => native().conv2dForward(new Float32Array(15), new Float32Array(9), ok, new Float32Array(4)),
      /x has 15/,
    );
  });
});

describe("native conv2d gives the same bits on 1 and 2 threads", { skip }, () => {
  const threads = addon === null ? 1 : native().info().threads;
  after(() => native().setThreads(threads));

  // bcnn-like maps, large (image by image, batch split across threads) and small (chunks).
  const shapes: [number[], number[]][] = [
    [
      [19, 8, 16, 16],
      [6, 8, 3, 3],
    ],
    [
      [21, 5, 6, 6],
      [7, 5, 3, 3],
    ],
  ];
  for (const [xs, ws] of shapes) {
    test(`x ${xs.join("x")}, w ${ws.join("x")}`, () => {
      const g = convGeometry(xs, ws, 1, 1);
      const rng = new Rng(900 + xs[0]);
      const x = randomArray(
        rng,
        xs.reduce((p, v) => p * v, 1),
      );
      const w = randomArray(
        rng,
        ws.reduce((p, v) => p * v, 1),
      );
      const dy = randomArray(rng, g.batch * g.outChannels * g.outHeight * g.outWidth);
      const dw0 = randomArray(rng, w.length);
      const run = (t: number): Float32Array[] => {
        native().setThreads(t);
        const y = new Float32Array(dy.length);
        const dx = new Float32Array(x.length);
        const dw = dw0.slice();
        native().conv2dForward(x, w, g, y);
        native().conv2dBackwardInput(dy, w, g, dx);
        native().conv2dBackwardFilter(x, dy, g, dw);
        return [y, dx, dw];
      };
      const one = run(1);
      const two = run(2);
      ["forward", "backward input", "backward filter"].forEach((what, i) => assertSame(two[i], one[i], what));
    });
  }
});
