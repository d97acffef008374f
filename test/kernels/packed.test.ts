import assert from "node:assert/strict";
import { after, test } from "node:test";
import { toPixels, toRows } from "../../src/export/runtime/threshold.js";
import { rowWords } from "../../src/export/runtime/xnor.js";
import { getBackend, portableBackend, setBackend } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends, describeNative } from "./backends.js";

// Packed inference's folded batch-norm + sign, by a backend's packed kernels and by the
// runtime's TypeScript forms: the same words. Values sit on the thresholds (ties), around
// them, and NaN; channel counts around 32-bit words.
const cases: [batch: number, channels: number, spatial: number][] = [
  [1, 1, 1],
  [3, 31, 5],
  [2, 32, 49],
  [2, 33, 7],
  [70, 70, 1],
  [4, 64, 196],
];

describeBackends(
  "thresholdPixels / thresholdRows vs TypeScript (exact)",
  (subject) => {
    const previous = getBackend();
    after(() => setBackend(previous));
    for (const [batch, channels, spatial] of cases) {
      test(`batch ${batch}, ${channels} channels, ${spatial} positions`, () => {
        const packed = subject.backend().packed!;
        const rng = new Rng(batch * 1000 + channels + spatial);
        const thresholds = Float32Array.from({ length: channels }, () => Math.round(rng.normal() * 4) / 2);
        const flip = Uint8Array.from({ length: channels }, () => rng.int(2));
        const x = new Float32Array(batch * channels * spatial);
        for (let i = 0; i < x.length; i++) {
          const t = thresholds[Math.floor(i / spatial) % channels];
          const r = rng.int(10);
          x[i] = r === 0 ? NaN : r < 4 ? t : t + Math.round(rng.normal() * 4) / 2;
        }
        const q = Math.ceil(channels / 32);
        const pixels = new Uint32Array(batch * spatial * q);
        setBackend(portableBackend); // the TypeScript loops
        toPixels(x, { batch, channels, spatial }, { thresholds, flip }, q, pixels);
        const words = rowWords(channels * spatial);
        const rows = new Uint32Array(batch * words);
        toRows(x, { batch, channels, spatial }, { thresholds, flip }, words, rows);
        setBackend(previous);

        const packedPixels = new Uint32Array(pixels.length).fill(0xdeadbeef); // every word is written
        packed.thresholdPixels(x, { batch, channels, spatial }, thresholds, flip, packedPixels);
        assert.deepEqual(packedPixels, pixels);
        const packedRows = new Uint32Array(rows.length).fill(0xdeadbeef);
        packed.thresholdRows(x, { batch, channels, spatial }, thresholds, flip, words, packedRows);
        assert.deepEqual(packedRows, rows);
      });
    }
  },
  (s) => s.skip !== false || s.backend().packed !== null,
);

describeNative("threshold argument checks", (native) => {
  test("sizes are checked: short outputs and rows too narrow are refused", () => {
    const packed = native.backend().packed!;
    const x = new Float32Array(2 * 33);
    const t = new Float32Array(33);
    const flip = new Uint8Array(33);
    const l = { batch: 2, channels: 33, spatial: 1 };
    assert.throws(
      () => packed.thresholdPixels(x, l, t, flip, new Uint32Array(3)),
      /out has 3 elements, needs 4/,
    );
    assert.throws(() => packed.thresholdRows(x, l, t, flip, 1, new Uint32Array(2)), /rowWords is too small/);
    assert.throws(
      () => packed.thresholdRows(x, l, t, new Uint8Array(32), 2, new Uint32Array(4)),
      /flip has 32/,
    );
  });
});
