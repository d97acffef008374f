import { test } from "node:test";
import assert from "node:assert/strict";
import { fingerprintData, fingerprintDifference, type ImageSet } from "../../src/data/index.js";

function set(count: number, fill: number): ImageSet {
  return {
    images: new Uint8Array(count * 4).fill(fill),
    labels: new Uint8Array(count).fill(1),
    count,
    shape: [1, 2, 2],
    classes: 3,
  };
}

test("fingerprints match for the same data and name what differs otherwise", () => {
  const a = fingerprintData({ train: set(5, 7), test: set(2, 7) });
  assert.equal(fingerprintDifference(a, fingerprintData({ train: set(5, 7), test: set(2, 7) })), null);
  assert.match(fingerprintDifference(a, fingerprintData({ train: set(6, 7), test: set(2, 7) })) ?? "", /5 vs 6 training/);
  assert.match(fingerprintDifference(a, fingerprintData({ train: set(5, 8), test: set(2, 7) })) ?? "", /different contents/);
  assert.match(a.hash, /^[0-9a-f]{32}$/);
});
