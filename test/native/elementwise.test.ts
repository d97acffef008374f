import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { addon, assertSame, coarseArray, native, randomArray, skip } from "./helpers.js";

// Odd sizes, and sizes past the 32K-element grain from which the pool splits the work.
const sizes = [1, 17, 1000, 70_001];
const special = [Number.NaN, -Infinity, Infinity, -0, 0, 1, -1, Math.fround(1 + 2 ** -23), -1.5];

/** Random values in [-2, 2) with exact zeros, -0, +-1 and the specials sprinkled in. */
function mixed(rng: Rng, n: number): Float32Array {
  const a = randomArray(rng, n).map((v) => 2 * v);
  const coarse = coarseArray(rng, n);
  for (let i = 0; i < n; i++) if (i % 5 === 0) a[i] = coarse[i];
  special.forEach((v, j) => {
    if (j * 13 < n) a[j * 13] = v;
  });
  return a;
}

describe("native element-wise kernels vs portable (bit-identical)", { skip }, () => {
  const threads = addon === null ? 1 : native().info().threads;
  after(() => native().setThreads(threads));

  for (const t of [1, 2]) {
    for (const n of sizes) {
      test(`${t} thread(s), n ${n}: signForward, steBackward, clipInPlace`, () => {
        native().setThreads(t);
        const rng = new Rng(n + t);
        const x = mixed(rng, n);
        const dy = mixed(rng, n);
        const want = new Float32Array(n);
        portableKernels.signForward(x, want);
        const got = new Float32Array(n).fill(7);
        native().signForward(x, got);
        assertSame(got, want, "signForward");

        const dx0 = randomArray(rng, n);
        const wantDx = dx0.slice();
        portableKernels.steBackward(x, dy, wantDx);
        const gotDx = dx0.slice();
        native().steBackward(x, dy, gotDx);
        assertSame(gotDx, wantDx, "steBackward");

        const wantClip = x.slice();
        portableKernels.clipInPlace(wantClip, 0.75);
        const gotClip = x.slice();
        native().clipInPlace(gotClip, 0.75);
        assertSame(gotClip, wantClip, "clipInPlace");
        for (let i = 0; i < n; i++) if (Object.is(x[i], -0)) assert.ok(Object.is(gotClip[i], -0), "-0 kept");
      });
    }
  }

  test("outputs shorter than the input are refused", () => {
    assert.throws(() => native().signForward(new Float32Array(4), new Float32Array(3)), /y has 3/);
    assert.throws(
      () => native().steBackward(new Float32Array(4), new Float32Array(4), new Float32Array(2)),
      /dx has 2/,
    );
  });
});
