import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels, type ChannelLayout, type Kernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends, describeNative } from "./backends.js";
import { assertSame, channelLayouts, coarseArray, randomArray } from "./helpers.js";

const NONE = new Float32Array(0);

const size = (l: ChannelLayout): number => l.batch * l.channels * l.spatial;

/** Random values with exact zeros, -0 and small integers among them (u = x - g hits 0 exactly). */
function mixed(rng: Rng, n: number): Float32Array {
  const a = randomArray(rng, n).map((v) => 3 * v);
  const coarse = coarseArray(rng, n);
  for (let i = 0; i < n; i++) if (i % 4 === 0) a[i] = coarse[i];
  if (n > 2) a[2] = -0;
  return a;
}

/** Runs `pass` on copies of `arrays` with both kernel sets; the copies must come out bit for bit equal. */
function assertSameBits(
  kernels: Kernels,
  arrays: Float32Array[],
  pass: (k: Kernels, copies: Float32Array[]) => void,
  what: string,
): void {
  const want = arrays.map((a) => a.slice());
  pass(portableKernels, want);
  const got = arrays.map((a) => a.slice());
  pass(kernels, got);
  got.forEach((g, i) => assertSame(g, want[i], `${what}, array ${i}`));
}

describeBackends("per-channel kernels", (subject) => {
  const k = () => subject.backend().kernels;

  test("channelSubtract, channelMultiply and their gradients on a hand-checked layout", () => {
    const l = { batch: 2, channels: 2, spatial: 2 };
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const v = Float32Array.from([0.5, -2]);
    const y = new Float32Array(8);
    k().channelSubtract(x, l, v, y);
    assert.deepEqual([...y], [0.5, 1.5, 5, 6, 4.5, 5.5, 9, 10]);
    k().channelMultiply(x, l, v, y);
    assert.deepEqual([...y], [0.5, 1, -6, -8, 2.5, 3, -14, -16]);

    const dy = Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4]);
    const dx = new Float32Array(8).fill(1);
    const db = Float32Array.from([10, 20]);
    k().channelSubtractBackward(dy, l, dx, db);
    assert.deepEqual([...dx], [2, 2, 3, 3, 4, 4, 5, 5]);
    assert.deepEqual([...db], [10 - 8, 20 - 12]);

    dx.fill(0);
    const da = new Float32Array(2);
    k().channelMultiplyBackward(x, dy, l, v, dx, da);
    assert.deepEqual([...dx], [0.5, 0.5, -4, -4, 1.5, 1.5, -8, -8]);
    // da[0] = 1*1 + 1*2 + 3*5 + 3*6, da[1] = 2*3 + 2*4 + 4*7 + 4*8
    assert.deepEqual([...da], [36, 74]);
  });

  test("rpreluForward and rpreluBackward follow RPReLU's formulas", () => {
    const l = { batch: 1, channels: 2, spatial: 3 };
    const x = Float32Array.from([1, 0.5, -1, 2, 4, -2]);
    const [g, a, z] = [
      Float32Array.from([0.5, 3]),
      Float32Array.from([0.25, 0.5]),
      Float32Array.from([1, -1]),
    ];
    const u = new Float32Array(6);
    const y = new Float32Array(6);
    k().rpreluForward(x, l, g, a, z, u, y);
    assert.deepEqual([...u], [0.5, 0, -1.5, -1, 1, -5]);
    // u > 0: u + z; else a * u + z (u = 0 takes the second branch: 0 + z).
    assert.deepEqual([...y], [1.5, 1, 1 - 0.375, -1.5, 0, -3.5]);

    const dy = Float32Array.from([1, 2, 4, 1, 2, 4]);
    const dx = new Float32Array(6);
    const [dg, da, dz] = [new Float32Array(2), new Float32Array(2), new Float32Array(2)];
    k().rpreluBackward(u, dy, l, a, dx, dg, da, dz);
    assert.deepEqual([...dx], [1, 0.5, 1, 0.5, 2, 2]);
    assert.deepEqual([...dg], [-2.5, -4.5]);
    assert.deepEqual([...da], [2 * 0 + 4 * -1.5, 1 * -1 + 4 * -5]);
    assert.deepEqual([...dz], [7, 7]);
  });

  test("an empty gradient array is not wanted: nothing is written, the others still are", () => {
    const l = { batch: 9, channels: 3, spatial: 5 };
    const rng = new Rng(70);
    const [x, dy, u] = [mixed(rng, size(l)), mixed(rng, size(l)), mixed(rng, size(l))];
    const v = randomArray(rng, 3);
    const dx = new Float32Array(size(l));
    k().channelSubtractBackward(dy, l, NONE, dx.subarray(0, 3));
    assert.ok(dx.subarray(3).every((e) => e === 0) && dx.subarray(0, 3).some((e) => e !== 0));
    const only = new Float32Array(3);
    k().channelMultiplyBackward(x, dy, l, v, NONE, only);
    assert.ok(only.some((e) => e !== 0));
    const grads = [new Float32Array(3), new Float32Array(3)];
    k().rpreluBackward(u, dy, l, v, NONE, NONE, grads[0], grads[1]);
    assert.ok(grads.every((gr) => gr.some((e) => e !== 0)));
  });

  for (const t of subject.threads) {
    for (const l of channelLayouts) {
      const shape = `[${l.batch}, ${l.channels}, ${l.spatial}]`;
      test(`${t} thread(s), ${shape}: every per-channel kernel gives the bits of portable`, () => {
        subject.addon?.setThreads(t);
        const rng = new Rng(l.batch * 1000 + l.channels * 10 + l.spatial + t);
        const n = size(l);
        const [x, dy, dx] = [mixed(rng, n), mixed(rng, n), mixed(rng, n)];
        const vec = (): Float32Array => mixed(rng, l.channels).map((e) => e / 2);
        const [b, a, g, z, dv1, dv2, dv3] = [vec(), vec(), vec(), vec(), vec(), vec(), vec()];
        const y = new Float32Array(n).fill(Number.NaN);
        assertSameBits(k(), [y], (kk, [out]) => kk.channelSubtract(x, l, b, out), "channelSubtract");
        assertSameBits(k(), [y], (kk, [out]) => kk.channelMultiply(x, l, a, out), "channelMultiply");
        assertSameBits(
          k(),
          [dx, dv1],
          (kk, [gx, gb]) => kk.channelSubtractBackward(dy, l, gx, gb),
          "channelSubtractBackward",
        );
        assertSameBits(
          k(),
          [dx, dv1],
          (kk, [gx, ga]) => kk.channelMultiplyBackward(x, dy, l, a, gx, ga),
          "channelMultiplyBackward",
        );
        const u = new Float32Array(n);
        assertSameBits(
          k(),
          [u, y],
          (kk, [uu, yy]) => kk.rpreluForward(x, l, g, a, z, uu, yy),
          "rpreluForward",
        );
        portableKernels.rpreluForward(x, l, g, a, z, u, y);
        assertSameBits(
          k(),
          [dx, dv1, dv2, dv3],
          (kk, [gx, gg, ga, gz]) => kk.rpreluBackward(u, dy, l, a, gx, gg, ga, gz),
          "rpreluBackward",
        );
      });
    }
  }

  test("the channel sums add plane by plane into float32, in batch order", () => {
    // Plane sums 2^24 then 1, 1, ...: added into a float32 gradient one by one, each 1 is lost
    // (2^24 + 1 rounds back to 2^24); summed first, they would survive.
    const l = { batch: 9, channels: 1, spatial: 1 };
    const dy = Float32Array.from([2 ** 24, 1, 1, 1, 1, 1, 1, 1, 1]);
    const db = new Float32Array(1);
    k().channelSubtractBackward(dy, l, NONE, db);
    assert.equal(db[0], -(2 ** 24));
  });
});

describeNative("per-channel argument checks", (native) => {
  test("short arrays are refused, naming the argument", () => {
    const k = native.backend().kernels;
    const l = { batch: 2, channels: 3, spatial: 4 };
    const full = (): Float32Array => new Float32Array(24);
    assert.throws(
      () => k.channelSubtract(full(), l, new Float32Array(2), full()),
      /vector has 2 elements, needs 3/,
    );
    assert.throws(() => k.channelSubtractBackward(full(), l, new Float32Array(5), NONE), /dx has 5 elements/);
    assert.throws(
      () => k.rpreluBackward(new Float32Array(23), full(), l, new Float32Array(3), NONE, NONE, NONE, NONE),
      /u has 23/,
    );
  });
});
