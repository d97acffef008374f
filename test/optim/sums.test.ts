import assert from "node:assert/strict";
import { test } from "node:test";
import { meanAbs, quantizationError } from "../../src/optim/bamsprod.js";
import { countBadGradients, firstBadGradient, GRADIENT_LIMIT } from "../../src/optim/params.js";
import { checkAndSumAbs, SUM_BLOCK, sumAbs, sumDeviation, sumValues } from "../../src/optim/sums.js";
import { Rng } from "../../src/util/random.js";
import { randomArray } from "./helpers.js";

/** The documented order, written plainly: blocks, 8 lanes per block, lanes paired, blocks in order. */
function reference(values: number[]): number {
  let total = 0;
  for (let b = 0; b < values.length; b += SUM_BLOCK) {
    const l = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = b; j < Math.min(values.length, b + SUM_BLOCK); j++) l[(j - b) % 8] += values[j];
    total += l[0] + l[1] + (l[2] + l[3]) + (l[4] + l[5] + (l[6] + l[7]));
  }
  return total;
}

// Sizes around a block and a group of eight, to reach every tail.
const sizes = [0, 1, 7, 8, 9, SUM_BLOCK - 1, SUM_BLOCK, SUM_BLOCK + 1, 2 * SUM_BLOCK + 13];

test("the float64 sums add in the documented order (the one native/optim.cc uses)", () => {
  const rng = new Rng(4);
  for (const n of sizes) {
    // Magnitudes over many orders, so that a different order would change the rounding.
    const x = randomArray(rng, n).map((v, i) => v * 10 ** ((i % 13) - 6));
    const decay = 1 - 0.03 * 0.01;
    const decayed = Array.from(x, (v) => Math.fround(v * decay));
    const a = n === 0 ? 0 : reference(decayed.map(Math.abs)) / n;
    assert.equal(sumValues(x), reference(Array.from(x)), `sum, n ${n}`);
    assert.equal(sumAbs(x, decay), reference(decayed.map(Math.abs)), `sum |x|, n ${n}`);
    assert.equal(
      sumDeviation(x, decay, a),
      reference(decayed.map((v) => Math.abs(Math.abs(v) - a))),
      `n ${n}`,
    );
    const out = new Float64Array(1);
    assert.equal(checkAndSumAbs(x, x, decay, out), 0);
    assert.equal(out[0], sumAbs(x, decay), `fused check and sum, n ${n}`);
    if (n > 0) assert.equal(meanAbs(x, decay), a);
  }
});

test("the order changes the last bits (so it must be fixed for native and TypeScript to agree)", () => {
  const rng = new Rng(8);
  const x = randomArray(rng, 3 * SUM_BLOCK).map((v, i) => v * 10 ** ((i % 13) - 6));
  let sequential = 0;
  for (const v of x) sequential += v;
  assert.notEqual(sumValues(x), sequential);
  assert.ok(Math.abs(sumValues(x) - sequential) <= 1e-12 * x.reduce((s, v) => s + Math.abs(v), 0));
});

test("quantizationError by hand: a = mean|x|, e = mean||x| - a| / a", () => {
  // x = (1, -0.5, 0.25, -0.25): a = 0.5, deviations 0.5, 0, 0.25, 0.25 -> mean 0.25, e = 0.5.
  assert.equal(quantizationError(Float32Array.from([1, -0.5, 0.25, -0.25])), 0.25 / (0.5 + 1e-12));
});

test("the unrolled gradient check counts every bad entry, in every position", () => {
  const bad = [NaN, Infinity, -Infinity, 2e19, -3.4e38];
  for (const n of [1, 8, 13, 40]) {
    for (let at = 0; at < n; at++) {
      const g = new Float32Array(n).fill(0.5);
      g[n - 1] = -GRADIENT_LIMIT; // the limit itself is accepted
      g[at] = bad[at % bad.length];
      assert.equal(countBadGradients(g), 1, `n ${n}, at ${at}`);
      assert.equal(firstBadGradient(g), at);
      assert.equal(countBadGradients(g, at + 1, n), 0);
    }
  }
});
