import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { convGeometry, portableKernels, type ConvGeometry, type Kernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { assertRerunPasses } from "../helpers/rerun.js";
import { describeBackends, describeNative, nativeSkip } from "./backends.js";
import {
  U32,
  absArray,
  assertSame,
  assertWithin,
  naiveConv,
  naiveConvFilterGrad,
  naiveConvInputGrad,
  randomArray,
} from "./helpers.js";

const naiveCases: {
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
  // 3x3, stride 1, 8+ channels: the native backward passes run Winograd, F(2x2, 3x3) on this
  // small map and F(4x4, 3x3) on the larger one.
  { x: [2, 8, 7, 5], w: [9, 8, 3, 3], stride: 1, padding: 1 },
  { x: [2, 8, 21, 23], w: [9, 8, 3, 3], stride: 1, padding: 1 },
];

function eachNaiveCase(check: (g: ConvGeometry, rng: Rng) => void) {
  naiveCases.forEach((c, i) => check(convGeometry(c.x, c.w, c.stride, c.padding), new Rng(100 + i)));
}

function sizes(g: ConvGeometry) {
  return {
    x: g.batch * g.inChannels * g.inHeight * g.inWidth,
    w: g.outChannels * g.inChannels * g.kernelH * g.kernelW,
    y: g.batch * g.outChannels * g.outHeight * g.outWidth,
  };
}

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
  // Winograd F(2x2, 3x3) in the native backward passes: odd and even sizes (a last tile row or
  // column cut in half), paddings 0-2, a 28x28 map (one image per GEMM), a batch over several
  // chunks and filter-gradient groups of 8 images, and 2x2 outputs (one tile).
  [[3, 8, 9, 7], [8, 8, 3, 3], 1, 1],
  [[2, 9, 6, 8], [10, 9, 3, 3], 1, 0],
  [[2, 8, 5, 7], [9, 8, 3, 3], 1, 2],
  [[2, 8, 28, 28], [8, 8, 3, 3], 1, 1],
  [[19, 16, 14, 14], [12, 16, 3, 3], 1, 1],
  [[3, 8, 4, 4], [8, 8, 3, 3], 1, 0],
  // F(4x4, 3x3) on large maps (outputs 25x23, 24x25, 28x28): last tiles cut by 1-3 rows or
  // columns, paddings 0 and 2, a batch over several filter-gradient groups.
  [[3, 8, 27, 25], [8, 8, 3, 3], 1, 0],
  [[2, 9, 22, 23], [10, 9, 3, 3], 1, 2],
  [[17, 8, 28, 28], [9, 8, 3, 3], 1, 1],
];

// Tolerance: 2 (K + 2) u times the same convolution of absolute values, K = C*KH*KW the dot
// length (backward input: O*KH*KW terms; backward filter: N*OH*OW terms).
function bounds(length: number, absResult: ArrayLike<number>, start?: Float32Array): number[] {
  const scale = 2 * (length + 2) * U32;
  return Array.from(absResult, (v, i) => scale * (v + (start ? Math.abs(start[i]) : 0)) + 1e-30);
}

/**
 * The filter gradient, accumulated into random values, against the portable kernels within
 * bounds(); the kernel is called `calls` times from the same start and the last result checked.
 */
function filterGradientVsPortable(kernels: Kernels, g: ConvGeometry, rng: Rng, calls: number): void {
  const { x: xSize, w: wSize, y: ySize } = sizes(g);
  const x = randomArray(rng, xSize);
  const dy = randomArray(rng, ySize);
  const dw0 = randomArray(rng, wSize);
  const expected = dw0.slice();
  portableKernels.conv2dBackwardFilter(x, dy, g, expected);
  let actual = dw0;
  for (let call = 0; call < calls; call++) {
    actual = dw0.slice();
    kernels.conv2dBackwardFilter(x, dy, g, actual);
  }
  const abs = new Float32Array(wSize);
  portableKernels.conv2dBackwardFilter(absArray(x), absArray(dy), g, abs);
  assertWithin(actual, expected, bounds(g.batch * g.outHeight * g.outWidth, abs, dw0), "backward filter");
}

describeBackends("conv2d", (subject) => {
  const k = () => subject.backend().kernels;

  // Against the exact (float64) sums, within the same rounding bound as against the portable
  // kernels below; it holds for the Winograd backward passes (3x3, stride 1) too.
  test("forward equals a direct convolution (strides, padding, 1x1, non-square)", () => {
    eachNaiveCase((g, rng) => {
      const s = sizes(g);
      const x = randomArray(rng, s.x);
      const w = randomArray(rng, s.w);
      const y = new Float32Array(s.y).fill(NaN);
      k().conv2dForward(x, w, g, y);
      const abs = naiveConv(absArray(x), absArray(w), g);
      assertWithin(y, naiveConv(x, w, g), bounds(g.inChannels * g.kernelH * g.kernelW, abs), "forward");
    });
  });

  test("backward input overwrites dx with the direct adjoint", () => {
    eachNaiveCase((g, rng) => {
      const s = sizes(g);
      const dy = randomArray(rng, s.y);
      const w = randomArray(rng, s.w);
      const dx = new Float32Array(s.x).fill(123);
      k().conv2dBackwardInput(dy, w, g, dx);
      const abs = naiveConvInputGrad(absArray(dy), absArray(w), g);
      const length = g.outChannels * g.kernelH * g.kernelW;
      assertWithin(dx, naiveConvInputGrad(dy, w, g), bounds(length, abs), "backward input");
    });
  });

  test("backward filter accumulates the direct filter gradient", () => {
    eachNaiveCase((g, rng) => {
      const s = sizes(g);
      const x = randomArray(rng, s.x);
      const dy = randomArray(rng, s.y);
      const dw = new Float32Array(s.w).fill(0.5);
      k().conv2dBackwardFilter(x, dy, g, dw);
      const want = naiveConvFilterGrad(x, dy, g).map((v) => v + 0.5);
      const abs = naiveConvFilterGrad(absArray(x), absArray(dy), g).map((v) => v + 0.5);
      assertWithin(dw, want, bounds(g.batch * g.outHeight * g.outWidth, abs), "backward filter");
    });
  });

  let seed = 100;
  for (const [xs, ws, stride, padding] of cases) {
    const g = convGeometry(xs, ws, stride, padding);
    const label = `x ${xs.join("x")}, w ${ws.join("x")}, stride ${stride}, padding ${padding}`;
    const { x: xSize, w: wSize, y: ySize } = sizes(g);

    test(`forward vs portable, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = randomArray(rng, xSize);
      const w = randomArray(rng, wSize);
      const expected = new Float32Array(ySize);
      portableKernels.conv2dForward(x, w, g, expected);
      const actual = new Float32Array(ySize).fill(Number.NaN);
      k().conv2dForward(x, w, g, actual);
      const abs = new Float32Array(ySize);
      portableKernels.conv2dForward(absArray(x), absArray(w), g, abs);
      assertWithin(actual, expected, bounds(g.inChannels * g.kernelH * g.kernelW, abs), "forward");
    });

    test(`backward input (overwrites dx) vs portable, ${label}`, () => {
      const rng = new Rng(seed++);
      const dy = randomArray(rng, ySize);
      const w = randomArray(rng, wSize);
      const expected = new Float32Array(xSize);
      portableKernels.conv2dBackwardInput(dy, w, g, expected);
      const actual = randomArray(rng, xSize); // garbage that must be overwritten
      k().conv2dBackwardInput(dy, w, g, actual);
      const abs = new Float32Array(xSize);
      portableKernels.conv2dBackwardInput(absArray(dy), absArray(w), g, abs);
      assertWithin(actual, expected, bounds(g.outChannels * g.kernelH * g.kernelW, abs), "backward input");
    });

    test(`backward filter (accumulates into dw) vs portable, ${label}`, () => {
      filterGradientVsPortable(k(), g, new Rng(seed++), 1);
    });
  }
});

describeNative("conv2d Winograd filter gradient over larger groups", (native) => {
  // Wide enough that 65 groups of 8 images would hold more than 2^24 floats of partial sums:
  // the filter gradient then sums groups of 16 (the native subject only: the portable
  // reference takes about a second).
  test("backward filter vs portable, x 520x128x2x2, w 128x128x3x3, padding 1", () => {
    // Twice: the second call finds the first one's partial sums in its scratch memory.
    const g = convGeometry([520, 128, 2, 2], [128, 128, 3, 3], 1, 1);
    filterGradientVsPortable(native.backend().kernels, g, new Rng(77), 2);
  });
});

describeNative("conv2d argument checks and threads", (native) => {
  test("inconsistent geometry is refused before any memory is touched", () => {
    const conv = native.backend().kernels.conv2dForward;
    const g = { ...convGeometry([1, 1, 4, 4], [1, 1, 3, 3]), outHeight: 9 };
    assert.throws(
      () => conv(new Float32Array(16), new Float32Array(9), g, new Float32Array(81)),
      /inconsistent/,
    );
    const ok = convGeometry([1, 1, 4, 4], [1, 1, 3, 3]);
    assert.throws(() => conv(new Float32Array(15), new Float32Array(9), ok, new Float32Array(4)), /x has 15/);
  });

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
    // Winograd backward passes, filter gradient in groups of 8 images (or of 16, the last):
    // F(2x2) on chunks of 5 images, F(4x4) on chunks of 2.
    [
      [19, 8, 5, 5],
      [9, 8, 3, 3],
    ],
    [
      [19, 8, 20, 20],
      [9, 8, 3, 3],
    ],
    [
      [520, 128, 2, 2],
      [128, 128, 3, 3],
    ],
  ];
  for (const [xs, ws] of shapes) {
    test(`the same bits on 1 and 2 threads: x ${xs.join("x")}, w ${ws.join("x")}`, () => {
      const kernels = native.backend().kernels;
      const g = convGeometry(xs, ws, 1, 1);
      const rng = new Rng(900 + xs[0]);
      const { x: xSize, w: wSize } = sizes(g);
      const x = randomArray(rng, xSize);
      const w = randomArray(rng, wSize);
      const dy = randomArray(rng, g.batch * g.outChannels * g.outHeight * g.outWidth);
      const dw0 = randomArray(rng, w.length);
      const run = (t: number): Float32Array[] => {
        native.addon!.setThreads(t);
        const y = new Float32Array(dy.length);
        const dx = new Float32Array(x.length);
        const dw = dw0.slice();
        kernels.conv2dForward(x, w, g, y);
        kernels.conv2dBackwardInput(dy, w, g, dx);
        kernels.conv2dBackwardFilter(x, dy, g, dw);
        return [y, dx, dw];
      };
      const one = run(1);
      const two = run(2);
      ["forward", "backward input", "backward filter"].forEach((what, i) => assertSame(two[i], one[i], what));
    });
  }
});

// The native backward passes of 3x3 stride-1 convolutions run Winograd, F(4x4, 3x3) on large
// maps and F(2x2, 3x3) on the others; every test of this file again with all of them on F(2x2),
// with all on F(4x4) (small maps, most tiles cut), and on im2col + GEMM, the path they replaced.
const forcedConv = process.env.BAMSPROD_CONV_PATH;
for (const path of ["winograd2x2", "winograd4x4-all", "im2col"]) {
  test(
    `the ${path} backward passes pass too (this file rerun with BAMSPROD_CONV_PATH=${path})`,
    { skip: nativeSkip || (forcedConv !== undefined ? `this is the ${forcedConv} run` : false) },
    () => assertRerunPasses([fileURLToPath(import.meta.url)], { BAMSPROD_CONV_PATH: path }),
  );
}

describeNative("conv2d backward path", (native) => {
  test("BAMSPROD_CONV_PATH forces winograd2x2, winograd4x4-all or im2col; unset, it is winograd4x4-20", () => {
    assert.equal(native.addon!.info().convPath, forcedConv ?? "winograd4x4-20");
  });
});
