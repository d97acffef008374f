import assert from "node:assert/strict";
import { test } from "node:test";
import { poolGeometry, portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { randomArray } from "./reference.js";

test("maxPoolForward: window maxima, argmax of the first maximum on ties", () => {
  // Plane 0 has a tie inside its first window (positions 1 and 4 hold 5).
  const x = Float32Array.from([1, 5, 2, 0, 5, 4, 8, 8, 0, 0, 1, 1, 9, 0, 2, 3]);
  const g = poolGeometry([1, 1, 4, 4], 2, 2);
  const y = new Float32Array(4);
  const argmax = new Int32Array(4);
  portableKernels.maxPoolForward(x, g, y, argmax);
  assert.deepEqual([...y], [5, 8, 9, 3]);
  assert.deepEqual([...argmax], [1, 6, 12, 15]);
});

test("maxPool and avgPool equal a naive loop over batch and channels, overlapping windows", () => {
  const rng = new Rng(7);
  const shape = [2, 3, 7, 6];
  const g = poolGeometry(shape, 3, 2);
  const x = randomArray(2 * 3 * 7 * 6, rng);
  const count = 2 * 3 * g.outHeight * g.outWidth;
  const y = new Float32Array(count);
  const avg = new Float32Array(count);
  const argmax = new Int32Array(count);
  portableKernels.maxPoolForward(x, g, y, argmax);
  portableKernels.avgPoolForward(x, g, avg);
  const dy = randomArray(count, rng);
  const dxMax = new Float32Array(x.length).fill(1);
  const dxAvg = new Float32Array(x.length).fill(1);
  portableKernels.maxPoolBackward(dy, argmax, dxMax);
  portableKernels.avgPoolBackward(dy, g, dxAvg);
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
