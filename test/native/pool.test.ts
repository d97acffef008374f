import { describe, test } from "node:test";
import { poolGeometry, portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { assertSame, coarseArray, native, randomArray, skip } from "./helpers.js";

// [N, C, H, W], size, stride: square and odd inputs, overlapping windows (stride < size),
// gaps (stride > size), a window covering the whole input. Values from a few levels so that
// maxima tie; both kernels keep the first maximum, so the results must be identical.
const cases: [number[], number, number][] = [
  [[2, 3, 4, 4], 2, 2],
  [[1, 2, 7, 5], 3, 2],
  [[3, 1, 9, 9], 2, 3],
  [[2, 2, 5, 6], 5, 1],
  [[4, 8, 28, 28], 2, 2],
];

// Max and average pooling do the same arithmetic in both kernels (average: double sum times
// the double 1/size^2; backward: the same additions in the same order), so all are exact.
describe("native pooling vs portable (exact)", { skip }, () => {
  let seed = 200;
  for (const [shape, size, stride] of cases) {
    const g = poolGeometry(shape, size, stride);
    const inSize = shape.reduce((p, v) => p * v, 1);
    const outSize = g.batch * g.channels * g.outHeight * g.outWidth;
    const label = `${shape.join("x")}, size ${size}, stride ${stride}`;

    test(`max pool forward and backward, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = coarseArray(rng, inSize);
      const y0 = new Float32Array(outSize);
      const a0 = new Int32Array(outSize);
      portableKernels.maxPoolForward(x, g, y0, a0);
      const y1 = new Float32Array(outSize);
      const a1 = new Int32Array(outSize);
      native().maxPoolForward(x, g, y1, a1);
      assertSame(y1, y0, "max values");
      assertSame(a1, a0, "argmax");

      const dy = randomArray(rng, outSize);
      const dx0 = randomArray(rng, inSize);
      const dx1 = dx0.slice();
      portableKernels.maxPoolBackward(dy, a0, dx0);
      native().maxPoolBackward(dy, a1, dx1);
      assertSame(dx1, dx0, "max pool dx");
    });

    test(`average pool forward and backward, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = randomArray(rng, inSize);
      const y0 = new Float32Array(outSize);
      portableKernels.avgPoolForward(x, g, y0);
      const y1 = new Float32Array(outSize);
      native().avgPoolForward(x, g, y1);
      assertSame(y1, y0, "average values");

      const dy = randomArray(rng, outSize);
      const dx0 = randomArray(rng, inSize);
      const dx1 = dx0.slice();
      portableKernels.avgPoolBackward(dy, g, dx0);
      native().avgPoolBackward(dy, g, dx1);
      assertSame(dx1, dx0, "average pool dx");
    });
  }
});
