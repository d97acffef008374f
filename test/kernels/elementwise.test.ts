import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends, describeNative } from "./backends.js";
import { assertSame, coarseArray, randomArray } from "./helpers.js";

const special = Float32Array.from([-2, -1, -0.5, -0, 0, 0.5, 1, 2, Number.NaN, -Infinity, Infinity, 1e-30]);

// Odd sizes, and sizes past the 32K-element grain from which the native pool splits the work.
const sizes = [1, 17, 1000, 70_001];
const specials = [Number.NaN, -Infinity, Infinity, -0, 0, 1, -1, Math.fround(1 + 2 ** -23), -1.5];

/** Random values in [-2, 2) with exact zeros, -0, +-1 and the specials sprinkled in. */
function mixed(rng: Rng, n: number): Float32Array {
  const a = randomArray(rng, n).map((v) => 2 * v);
  const coarse = coarseArray(rng, n);
  for (let i = 0; i < n; i++) if (i % 5 === 0) a[i] = coarse[i];
  specials.forEach((v, j) => {
    if (j * 13 < n) a[j * 13] = v;
  });
  return a;
}

describeBackends("element-wise kernels", (subject) => {
  const k = () => subject.backend().kernels;

  test("signForward: +1 for x >= 0 (zeros included), -1 below, -1 for NaN", () => {
    const y = new Float32Array(special.length);
    k().signForward(special, y);
    assert.deepEqual([...y], [-1, -1, -1, 1, 1, 1, 1, 1, -1, -1, 1, 1]);
  });

  test("steBackward adds dy where |x| <= 1 (boundary included) and nothing elsewhere", () => {
    const dy = Float32Array.from(special, (_, i) => i + 1);
    const dx = new Float32Array(special.length).fill(10);
    k().steBackward(special, dy, dx);
    // |x| <= 1 at indices 1..6 and 11; NaN and +-2, +-Infinity pass nothing.
    assert.deepEqual([...dx], [10, 12, 13, 14, 15, 16, 17, 10, 10, 10, 10, 22]);
  });

  test("steBackward propagates a NaN gradient even where the mask is 0 (dy * 0 is NaN)", () => {
    const dx = new Float32Array(2);
    k().steBackward(Float32Array.from([5, 0.5]), Float32Array.from([Number.NaN, 1]), dx);
    assert.ok(Number.isNaN(dx[0]));
    assert.equal(dx[1], 1);
  });

  test("approxSignBackward adds dy * (2 - 2|x|) where |x| <= 1 and nothing elsewhere", () => {
    const dy = Float32Array.from(special, (_, i) => i + 1);
    const dx = new Float32Array(special.length).fill(10);
    k().approxSignBackward(special, dy, dx);
    // x: -2, -1, -0.5, -0, 0, 0.5, 1, 2, NaN, -Inf, Inf, 1e-30 -> gradient 0, 0, 1, 2, 2, 1, 0, 0, ...
    const tiny = Math.fround(10 + 12 * (2 - 2 * Math.fround(1e-30)));
    assert.deepEqual([...dx], [10, 10, 13, 18, 20, 16, 10, 10, 10, 10, 10, tiny]);
  });

  test("addArrays adds in float32, also into one of its inputs", () => {
    const a = Float32Array.from([1, 2 ** 24, -0, Number.NaN, 0.1]);
    const b = Float32Array.from([2, 1, -0, 1, 0.2]);
    const y = new Float32Array(5);
    k().addArrays(a, b, y);
    assert.deepEqual([...y], [3, 2 ** 24, -0, Number.NaN, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
    assert.ok(Object.is(y[2], -0));
    k().addArrays(a, b, a); // dst += src
    assert.deepEqual([...a], [...y]);
  });

  test("clipInPlace clamps to [-bound, bound], keeps NaN and -0", () => {
    const x = Float32Array.from(special);
    k().clipInPlace(x, 1);
    assert.deepEqual([...x], [-1, -1, -0.5, -0, 0, 0.5, 1, 1, Number.NaN, -1, 1, Math.fround(1e-30)]);
    assert.ok(Object.is(x[3], -0));
  });

  for (const t of subject.threads) {
    for (const n of sizes) {
      test(`${t} thread(s), n ${n}: the element-wise kernels equal portable`, () => {
        subject.addon?.setThreads(t);
        const rng = new Rng(n + t);
        const x = mixed(rng, n);
        const dy = mixed(rng, n);
        const want = new Float32Array(n);
        portableKernels.signForward(x, want);
        const got = new Float32Array(n).fill(7);
        k().signForward(x, got);
        assertSame(got, want, "signForward");

        const dx0 = randomArray(rng, n);
        const wantDx = dx0.slice();
        portableKernels.steBackward(x, dy, wantDx);
        const gotDx = dx0.slice();
        k().steBackward(x, dy, gotDx);
        assertSame(gotDx, wantDx, "steBackward");

        const wantApprox = dx0.slice();
        portableKernels.approxSignBackward(x, dy, wantApprox);
        const gotApprox = dx0.slice();
        k().approxSignBackward(x, dy, gotApprox);
        assertSame(gotApprox, wantApprox, "approxSignBackward");

        const wantSum = new Float32Array(n);
        portableKernels.addArrays(x, dy, wantSum);
        const gotSum = new Float32Array(n).fill(7);
        k().addArrays(x, dy, gotSum);
        assertSame(gotSum, wantSum, "addArrays");
        const inPlace = x.slice();
        k().addArrays(inPlace, dy, inPlace);
        assertSame(inPlace, wantSum, "addArrays into its first input");

        const wantClip = x.slice();
        portableKernels.clipInPlace(wantClip, 0.75);
        const gotClip = x.slice();
        k().clipInPlace(gotClip, 0.75);
        assertSame(gotClip, wantClip, "clipInPlace");
        for (let i = 0; i < n; i++) if (Object.is(x[i], -0)) assert.ok(Object.is(gotClip[i], -0), "-0 kept");
      });
    }
  }
});

// Each implementation's own argument checks (their messages differ).
test("the portable element-wise kernels refuse outputs shorter than the input", () => {
  assert.throws(() => portableKernels.signForward(new Float32Array(3), new Float32Array(2)), /y has 2/);
  assert.throws(
    () => portableKernels.steBackward(new Float32Array(3), new Float32Array(3), new Float32Array(1)),
    /dx 1/,
  );
  assert.throws(
    () => portableKernels.approxSignBackward(new Float32Array(3), new Float32Array(2), new Float32Array(3)),
    /dy has 2/,
  );
  assert.throws(
    () => portableKernels.addArrays(new Float32Array(3), new Float32Array(1), new Float32Array(3)),
    /b 1/,
  );
});

describeNative("element-wise argument checks", (native) => {
  test("outputs shorter than the input are refused", () => {
    const k = native.backend().kernels;
    assert.throws(() => k.signForward(new Float32Array(4), new Float32Array(3)), /y has 3/);
    assert.throws(
      () => k.steBackward(new Float32Array(4), new Float32Array(4), new Float32Array(2)),
      /dx has 2/,
    );
    assert.throws(
      () => k.approxSignBackward(new Float32Array(4), new Float32Array(3), new Float32Array(4)),
      /dy has 3/,
    );
    assert.throws(
      () => k.addArrays(new Float32Array(2), new Float32Array(4), new Float32Array(4)),
      /a has 2/,
    );
  });
});
