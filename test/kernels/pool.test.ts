import assert from "node:assert/strict";
import { test } from "node:test";
import { poolGeometry, portableKernels, type Kernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends } from "./backends.js";
import { assertSame, coarseArray, randomArray } from "./helpers.js";

// [N, C, H, W], size, stride: square and odd inputs, overlapping windows (stride < size),
// gaps (stride > size), a window covering the whole input. Values from a few levels so that
// maxima tie; every backend keeps the first maximum, so the results must be identical.
const cases: [number[], number, number][] = [
  [[2, 3, 4, 4], 2, 2],
  [[1, 2, 7, 5], 3, 2],
  [[3, 1, 9, 9], 2, 3],
  [[2, 2, 5, 6], 5, 1],
  [[4, 8, 28, 28], 2, 2],
];

describeBackends("pooling", (subject) => {
  const k = () => subject.backend().kernels;

  test("maxPoolForward: window maxima, argmax of the first maximum on ties", () => {
    // Plane 0 has a tie inside its first window (positions 1 and 4 hold 5).
    const x = Float32Array.from([1, 5, 2, 0, 5, 4, 8, 8, 0, 0, 1, 1, 9, 0, 2, 3]);
    const g = poolGeometry([1, 1, 4, 4], 2, 2);
    const y = new Float32Array(4);
    const argmax = new Int32Array(4);
    k().maxPoolForward(x, g, y, argmax);
    assert.deepEqual([...y], [5, 8, 9, 3]);
    assert.deepEqual([...argmax], [1, 6, 12, 15]);
  });

  test("maxPool and avgPool equal a naive loop over batch and channels, overlapping windows", () => {
    const rng = new Rng(7);
    const shape = [2, 3, 7, 6];
    const g = poolGeometry(shape, 3, 2);
    const x = randomArray(rng, 2 * 3 * 7 * 6);
    const count = 2 * 3 * g.outHeight * g.outWidth;
    const y = new Float32Array(count);
    const avg = new Float32Array(count);
    const argmax = new Int32Array(count);
    k().maxPoolForward(x, g, y, argmax);
    k().avgPoolForward(x, g, avg);
    const dy = randomArray(rng, count);
    const dxMax = new Float32Array(x.length).fill(1);
    const dxAvg = new Float32Array(x.length).fill(1);
    k().maxPoolBackward(dy, argmax, dxMax);
    k().avgPoolBackward(dy, g, dxAvg);
    const wantMax = new Float64Array(x.length).fill(1);
    const wantAvg = new Float64Array(x.length).fill(1);
    let o = 0;
    for (let plane = 0; plane < 6; plane++) {
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++, o++) {
          let best = -Infinity;
          let at = -1;
          let sum = 0;
          const window: number[] = [];
          for (let kh = 0; kh < 3; kh++) {
            for (let kw = 0; kw < 3; kw++) {
              const i = plane * 42 + (oh * 2 + kh) * 6 + ow * 2 + kw;
              window.push(i);
              sum += x[i];
              if (x[i] > best) [best, at] = [x[i], i];
            }
          }
          assert.equal(y[o], best);
          assert.equal(argmax[o], at);
          assert.ok(Math.abs(avg[o] - sum / 9) < 1e-6);
          wantMax[at] += dy[o];
          for (const i of window) wantAvg[i] += dy[o] / 9;
        }
      }
    }
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(dxMax[i] - wantMax[i]) < 1e-6);
      assert.ok(Math.abs(dxAvg[i] - wantAvg[i]) < 1e-6);
    }
  });

  // Max and average pooling do the same arithmetic in every backend (average: double sum times
  // the double 1/size^2; backward: the same additions in the same order), so all are exact.
  let seed = 200;
  for (const [shape, size, stride] of cases) {
    const g = poolGeometry(shape, size, stride);
    const inSize = shape.reduce((p, v) => p * v, 1);
    const outSize = g.batch * g.channels * g.outHeight * g.outWidth;
    const label = `${shape.join("x")}, size ${size}, stride ${stride}`;
    /** A random dy into a random dx: this backend's backward pass adds the same as the portable one. */
    const sameBackward = (
      rng: Rng,
      backward: (kernels: Kernels, dy: Float32Array, dx: Float32Array) => void,
      what: string,
    ): void => {
      const dy = randomArray(rng, outSize);
      const dx0 = randomArray(rng, inSize);
      const dx1 = dx0.slice();
      backward(portableKernels, dy, dx0);
      backward(k(), dy, dx1);
      assertSame(dx1, dx0, what);
    };

    test(`max pool forward and backward equal portable, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = coarseArray(rng, inSize);
      const y0 = new Float32Array(outSize);
      const a0 = new Int32Array(outSize);
      portableKernels.maxPoolForward(x, g, y0, a0);
      const y1 = new Float32Array(outSize);
      const a1 = new Int32Array(outSize);
      k().maxPoolForward(x, g, y1, a1);
      assertSame(y1, y0, "max values");
      assertSame(a1, a0, "argmax");

      sameBackward(
        rng,
        (kernels, dy, dx) => kernels.maxPoolBackward(dy, kernels === k() ? a1 : a0, dx),
        "max pool dx",
      );
    });

    test(`average pool forward and backward equal portable, ${label}`, () => {
      const rng = new Rng(seed++);
      const x = randomArray(rng, inSize);
      const y0 = new Float32Array(outSize);
      portableKernels.avgPoolForward(x, g, y0);
      const y1 = new Float32Array(outSize);
      k().avgPoolForward(x, g, y1);
      assertSame(y1, y0, "average values");

      sameBackward(rng, (kernels, dy, dx) => kernels.avgPoolBackward(dy, g, dx), "average pool dx");
    });
  }
});
