import assert from "node:assert/strict";
import { test } from "node:test";
import { convGeometry, portableKernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends, describeNative } from "./backends.js";
import { assertSame, coarseArray, naiveConv, randomArray } from "./helpers.js";

const sign = (a: Float32Array): Float32Array => a.map((v) => (v >= 0 ? 1 : -1));
const product = (shape: number[]): number => shape.reduce((p, v) => p * v, 1);

// [N, C, H, W], [O, C, KH, KW], stride, padding. Channel counts around the 32-bit words the
// signs are packed in (1, 31, 32, 33, 64, 70), output channels and widths that are not
// multiples of the 16-lane blocks, strides 1-2 (stride 1 takes the vectorized path on
// AVX-512 CPUs), paddings 0-3 (3 with a 3x3 kernel: some windows lie wholly in the padding),
// non-square kernels, bcnn's own layers, 128 channels (36 tap-words, 288 nibble steps per
// output: more than the 63 the AVX2 path counts in bytes before widening), and 250 channels
// with 72 tap-words (more than the AVX-512 path holds in registers: it takes the generic loop
// there, the AVX2 path does not), on a narrow image whose 32-lane blocks span several rows.
const cases: [number[], number[], number | [number, number], number | [number, number]][] = [
  [[1, 1, 5, 5], [1, 1, 3, 3], 1, 0],
  [[2, 31, 7, 9], [5, 31, 3, 3], 1, 1],
  [[3, 32, 6, 17], [17, 32, 3, 2], 1, [1, 2]],
  [[2, 33, 8, 8], [3, 33, 3, 3], 2, 1],
  [[2, 64, 5, 21], [16, 64, 3, 3], 1, 1],
  [[1, 70, 9, 6], [9, 70, 2, 3], 1, [0, 1]],
  [[2, 5, 4, 4], [2, 5, 3, 3], 1, 3],
  [[2, 8, 11, 10], [4, 8, 5, 5], [2, 3], 2],
  [[3, 32, 28, 28], [32, 32, 3, 3], 1, 1],
  [[3, 64, 14, 14], [64, 64, 3, 3], 1, 1],
  [[1, 128, 5, 11], [6, 128, 3, 3], 1, 1],
  [[2, 250, 4, 3], [3, 250, 3, 3], 1, 1],
];

/** x [N, C, H, W] -> each pixel's channel signs, [N, H, W, ceil(C/32)] words (bit set: x < 0 or NaN). */
function packPixels(x: Float32Array, [batch, channels, height, width]: number[]): Uint32Array {
  const q = Math.ceil(channels / 32);
  const plane = height * width;
  const out = new Uint32Array(batch * plane * q);
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < plane; p++)
        if (!(x[(n * channels + c) * plane + p] >= 0)) out[(n * plane + p) * q + (c >>> 5)] |= 1 << (c & 31);
  return out;
}

/** Per channel a threshold on one of the sums or half-way between, and a random flip. */
function randomThresholds(
  rng: Rng,
  sums: Float32Array,
  channels: number,
): { thresholds: Float32Array; flip: Uint8Array } {
  const thresholds = Float32Array.from(
    { length: channels },
    () => sums[rng.int(sums.length)] + rng.int(2) / 2,
  );
  const flip = Uint8Array.from({ length: channels }, () => rng.int(2));
  return { thresholds, flip };
}

/** y [N, C, H, W] -> per pixel, bit c set unless (y >= thresholds[c]) XOR flip[c]. */
function thresholdPixels(
  y: Float32Array,
  [batch, channels, height, width]: number[],
  thresholds: Float32Array,
  flip: Uint8Array,
): Uint32Array {
  const negative = y.map((v, i) => {
    const c = Math.floor(i / (height * width)) % channels;
    return Number(v >= thresholds[c]) ^ flip[c] ? 1 : -1;
  });
  return packPixels(negative, [batch, channels, height, width]);
}

describeBackends("binaryConv2dForward", (subject) => {
  const k = () => subject.backend().kernels;

  test("equals the float convolution of the signs, zero padding contributing 0", () => {
    const rng = new Rng(50);
    const naiveCases: [number[], number[], number, number][] = [
      [[2, 3, 5, 6], [4, 3, 3, 3], 1, 1],
      [[1, 2, 7, 7], [3, 2, 3, 2], 2, 2],
      [[2, 1, 4, 4], [2, 1, 1, 1], 1, 0],
    ];
    for (const [xs, ws, stride, padding] of naiveCases) {
      const g = convGeometry(xs, ws, stride, padding);
      const x = randomArray(rng, product(xs));
      x[0] = 0; // sign(0) = +1
      const w = randomArray(rng, product(ws));
      const want = naiveConv(sign(x), sign(w), g);
      const y = new Float32Array(want.length).fill(Number.NaN);
      k().binaryConv2dForward(x, w, g, y);
      assert.deepEqual([...y], [...want], `x ${xs}, w ${ws}`);
    }
  });

  test("a padded border sees fewer taps (hand-checked corner)", () => {
    // All +1 input and kernel, 3x3 padding 1: a corner output covers 4 taps, an edge 6, the centre 9.
    const g = convGeometry([1, 1, 3, 3], [1, 1, 3, 3], 1, 1);
    const y = new Float32Array(9);
    k().binaryConv2dForward(new Float32Array(9).fill(0.3), new Float32Array(9).fill(2), g, y);
    assert.deepEqual([...y], [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  test("all signs opposite gives -(valid taps x C) (no counter overflows)", () => {
    const g = convGeometry([2, 128, 5, 9], [5, 128, 3, 3], 1, 1);
    const expected = new Float32Array(g.batch * g.outChannels * g.outHeight * g.outWidth);
    const x = new Float32Array(2 * 128 * 5 * 9).fill(-1);
    const w = new Float32Array(5 * 128 * 9).fill(1);
    portableKernels.binaryConv2dForward(x, w, g, expected);
    assert.equal(expected[0], -4 * 128, "a corner output has 4 valid taps");
    const actual = new Float32Array(expected.length).fill(Number.NaN);
    k().binaryConv2dForward(x, w, g, actual);
    assertSame(actual, expected, `${subject.label} opposite signs`);
  });

  test("a window of more than 2^24 bits is still counted exactly (no float counters there)", () => {
    // 1x1 kernel over 2^24 + 64 channels: 2^24 + 1 of them disagree, so y = C - 2 (2^24 + 1),
    // which float32 holds, while the count 2^24 + 1 itself it does not.
    const channels = 2 ** 24 + 64;
    const g = convGeometry([1, channels, 1, 1], [1, channels, 1, 1], 1, 0);
    const w = new Float32Array(channels).fill(1);
    w.fill(-1, 0, 2 ** 24 + 1);
    const y = new Float32Array(1);
    k().binaryConv2dForward(new Float32Array(channels).fill(1), w, g, y);
    assert.equal(y[0], channels - 2 * (2 ** 24 + 1));
  });

  for (const t of subject.threads) {
    test(`${t} thread(s): equals portable, and so does the packed-pixel form (exact)`, () => {
      subject.addon?.setThreads(t);
      const packed = subject.backend().packed;
      let seed = 700;
      for (const [xs, ws, stride, padding] of cases) {
        const g = convGeometry(xs, ws, stride, padding);
        const rng = new Rng(seed++);
        // Coarse values put exact zeros and -0 in x: their sign is +1.
        const x = seed % 2 === 0 ? coarseArray(rng, product(xs)) : randomArray(rng, product(xs));
        const w = randomArray(rng, product(ws));
        const ySize = g.batch * g.outChannels * g.outHeight * g.outWidth;
        const expected = new Float32Array(ySize);
        portableKernels.binaryConv2dForward(x, w, g, expected);
        const actual = new Float32Array(ySize).fill(Number.NaN);
        k().binaryConv2dForward(x, w, g, actual);
        assertSame(actual, expected, `x ${xs}, w ${ws}, stride ${stride}, padding ${padding}`);
        if (packed === null) continue;
        // The same signs packed per pixel, as packed inference hands them over.
        actual.fill(Number.NaN);
        packed.binaryConv2dPixels(packPixels(x, xs), w, g, actual);
        assertSame(actual, expected, `pixels: x ${xs}, w ${ws}, stride ${stride}, padding ${padding}`);
        // Fused with a threshold: the signs of the sums, packed per pixel (thresholds on some
        // of the sums, so ties occur, and between them).
        const { thresholds, flip } = randomThresholds(rng, expected, ws[0]);
        const outShape = [g.batch, g.outChannels, g.outHeight, g.outWidth];
        const signs = new Uint32Array(g.batch * g.outHeight * g.outWidth * Math.ceil(ws[0] / 32)).fill(
          0xdeadbeef,
        );
        packed.binaryConv2dThresholdPixels(packPixels(x, xs), w, g, thresholds, flip, signs);
        assert.deepEqual(
          signs,
          thresholdPixels(expected, outShape, thresholds, flip),
          `thresholded: x ${xs}, w ${ws}, stride ${stride}, padding ${padding}`,
        );
      }
    });
  }
});

describeNative("binaryConv2dForward argument checks", (native) => {
  test("too-short arrays are refused", () => {
    const { kernels, packed } = native.backend();
    const g = convGeometry([1, 2, 4, 4], [1, 2, 3, 3], 1, 1);
    assert.throws(
      () => kernels.binaryConv2dForward(new Float32Array(31), new Float32Array(18), g, new Float32Array(16)),
      /x has 31/,
    );
    assert.throws(
      () => packed!.binaryConv2dPixels(new Uint32Array(15), new Float32Array(18), g, new Float32Array(16)),
      /pixels has 15 elements, needs 16/,
    );
    assert.throws(
      () =>
        packed!.binaryConv2dThresholdPixels(
          new Uint32Array(16),
          new Float32Array(18),
          g,
          new Float32Array(1),
          new Uint8Array(1),
          new Uint32Array(15),
        ),
      /out has 15 elements, needs 16/,
    );
  });
});
