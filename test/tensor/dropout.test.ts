import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, dropout } from "../../src/tensor/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { checkGradients, param } from "./gradcheck.js";

test("dropout zeroes about p of the elements and scales the rest by 1/(1-p)", () => {
  const x = new Tensor(new Float32Array(20000).fill(1), [100, 200]);
  const y = dropout(x, 0.25, new Rng(1), true);
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 4 / 3) < 1e-6);
  }
  // Binomial(20000, 0.25): standard deviation ~61, so +-400 is a wide but meaningful band.
  assert.ok(Math.abs(zeros - 5000) < 400, `${zeros} zeros`);
});

test("dropout is the identity when not training or when p = 0, and seeded masks repeat", () => {
  const x = param([3, 4], new Rng(2));
  assert.equal(dropout(x, 0.5, new Rng(1), false), x);
  assert.equal(dropout(x, 0, new Rng(1), true), x);
  const a = dropout(x, 0.5, new Rng(9), true);
  const b = dropout(x, 0.5, new Rng(9), true);
  assert.deepEqual([...a.data], [...b.data]);
  assert.throws(() => dropout(x, 1, new Rng(1), true), BamsprodError);
});

test("dropout matches finite differences for a fixed mask", () => {
  const x = param([4, 5], new Rng(3));
  checkGradients(() => dropout(x, 0.3, new Rng(5), true), [x]);
});
