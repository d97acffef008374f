import assert from "node:assert/strict";
import { test } from "node:test";
import { portableKernels } from "../../src/kernels/index.js";
import { popcount32 } from "../../src/kernels/portable/binary.js";
import { Rng } from "../../src/util/random.js";
import { randomArray } from "./reference.js";

const sign = (v: number) => (v >= 0 ? 1 : -1);

test("popcount32 counts bits of unsigned and sign-bit words", () => {
  assert.equal(popcount32(0), 0);
  assert.equal(popcount32(0xffffffff), 32);
  assert.equal(popcount32(0x80000001), 2);
  assert.equal(popcount32(-1), 32);
  assert.equal(popcount32(0x12345678), 13);
});

test("binaryGemm equals the float product of signs, k not a multiple of 32", () => {
  for (const k of [1, 5, 31, 32, 33, 63, 64, 100]) {
    const rng = new Rng(k);
    const m = 3;
    const n = 5;
    const a = randomArray(m * k, rng);
    const b = randomArray(n * k, rng);
    a[0] = 0; // sign(0) = +1
    b[k - 1] = -0; // -0 >= 0, so also +1
    const c = new Float32Array(m * n).fill(NaN);
    portableKernels.binaryGemm(m, n, k, a, b, c);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let want = 0;
        for (let p = 0; p < k; p++) want += sign(a[i * k + p]) * sign(b[j * k + p]);
        assert.equal(c[i * n + j], want, `k=${k} (${i}, ${j})`);
      }
    }
  }
});
