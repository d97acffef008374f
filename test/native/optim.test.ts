import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createNativeOptimizerSteps } from "../../src/kernels/native/optim.js";
import type { BamsprodStepScalars } from "../../src/kernels/native/optim.js";
import { ADAM_DEFAULTS, adamScalars, adamUpdate } from "../../src/optim/adam.js";
import { amsgradUpdate } from "../../src/optim/amsgrad.js";
import { Bamsprod, lowerBound, quantizationError, upperBound } from "../../src/optim/bamsprod.js";
import { Rng } from "../../src/util/random.js";
import { addon, assertSame, native, randomArray, skip } from "./helpers.js";

// Sizes below and above the 16K elements from which the native updates run on several threads,
// and not multiples of the 4096-element blocks.
const sizes = [1, 7, 5000, 40_001];

function gradients(rng: Rng, n: number, steps: number, scale: number): Float32Array[] {
  return Array.from({ length: steps }, () => randomArray(rng, n).map((v) => v * scale));
}

type Config = { n: number; weightDecay: number; clip: number; lr: number };

function configs(): Config[] {
  const out: Config[] = [];
  for (const n of sizes)
    for (const [weightDecay, clip] of [
      [0, Infinity],
      [0.01, 1],
    ])
      out.push({ n, weightDecay, clip, lr: 0.05 });
  return out;
}

// Adam and AMSGrad repeat the TypeScript arithmetic operation for operation: bit-identical.
describe("native Adam/AMSGrad updates vs src/optim (exact)", { skip }, () => {
  const steps = addon === null ? null : createNativeOptimizerSteps(native());
  for (const amsgrad of [false, true]) {
    for (const c of configs()) {
      test(`${amsgrad ? "amsgrad" : "adam"}, n ${c.n}, weightDecay ${c.weightDecay}, clip ${c.clip}`, () => {
        const rng = new Rng(c.n + (amsgrad ? 1 : 0));
        const x0 = randomArray(rng, c.n).map((v) => v * 1.2);
        const grads = gradients(rng, c.n, 6, 0.1);
        const options = { ...ADAM_DEFAULTS, lr: c.lr, weightDecay: c.weightDecay };
        const ts = {
          x: x0.slice(),
          m: new Float32Array(c.n),
          v: new Float32Array(c.n),
          vmax: new Float32Array(c.n),
        };
        const nat = {
          x: x0.slice(),
          m: new Float32Array(c.n),
          v: new Float32Array(c.n),
          vmax: new Float32Array(c.n),
        };
        grads.forEach((g, i) => {
          const s = adamScalars(options, { t: i + 1, lr: c.lr });
          if (amsgrad) {
            amsgradUpdate(ts.x, g, ts.m, ts.v, ts.vmax, s, c.clip);
            steps!.amsgradUpdate(nat.x, g, nat.m, nat.v, nat.vmax, s, c.clip);
          } else {
            adamUpdate(ts.x, g, ts.m, ts.v, s, c.clip);
            steps!.adamUpdate(nat.x, g, nat.m, nat.v, s, c.clip);
          }
        });
        assertSame(nat.x, ts.x, "x");
        assertSame(nat.m, ts.m, "m");
        assertSame(nat.v, ts.v, "v");
        assertSame(nat.vmax, ts.vmax, "vmax");
        if (c.clip === 1) assert.ok(nat.x.every((v) => v >= -1 && v <= 1));
      });
    }
  }
});

// BAMSProd: moments bit-identical; x within one float32 rounding step of the TypeScript value,
// because the native float64 sums (mean |x|, mean vmax) add fixed blocks of 4096 while the
// TypeScript loop adds element by element (the bounds may differ in the last bits of a double).
describe("native BAMSProd update vs src/optim", { skip }, () => {
  const steps = addon === null ? null : createNativeOptimizerSteps(native());
  for (const gamma of [1e-3, 0.5]) {
    for (const binary of [true, false]) {
      for (const c of configs()) {
        test(`gamma ${gamma}, binary ${binary}, n ${c.n}, weightDecay ${c.weightDecay}, clip ${c.clip}`, () => {
          const rng = new Rng(c.n * 7 + (binary ? 1 : 0));
          const x0 = randomArray(rng, c.n).map((v) => v * 1.2);
          const grads = gradients(rng, c.n, 6, 0.1);
          const opt = new Bamsprod({
            lr: c.lr,
            gamma,
            weightDecay: c.weightDecay,
            clip: c.clip === Infinity ? null : c.clip,
          });
          const clip = binary ? c.clip : Infinity;
          const fresh = () => ({
            m: new Float32Array(c.n),
            v: new Float32Array(c.n),
            vmax: new Float32Array(c.n),
          });
          const ts = { x: x0.slice(), ...fresh() };
          const nat = { x: x0.slice(), ...fresh() };
          grads.forEach((g, i) => {
            const t = i + 1;
            const s: BamsprodStepScalars = {
              decay: 1 - c.lr * c.weightDecay,
              beta1: 0.9,
              beta2: 0.999,
              stepSize: c.lr / (1 - 0.9 ** t),
              invBc2: 1 / (1 - 0.999 ** t),
              eps: 1e-8,
              gammaT: gamma * t,
              lam: 1,
            };
            const e = binary ? quantizationError(ts.x, s.decay) : 0;
            opt.updateTensor(ts.x, g, binary, ts, s);
            const stats = steps!.bamsprodUpdate(nat.x, g, binary, nat, s, clip);
            // The statistics agree with the TypeScript formulas to double rounding.
            assert.ok(
              Math.abs(stats.quantError - e) <= 1e-12 * Math.max(1, e),
              `e ${stats.quantError} vs ${e}`,
            );
            let sumVmax = 0;
            for (const v of nat.vmax) sumVmax += v;
            const target = (sumVmax / c.n) * s.invBc2 * (1 + e) ** 2;
            assert.ok(
              Math.abs(stats.target - target) <= 1e-12 * target,
              `target ${stats.target} vs ${target}`,
            );
            assert.ok(Math.abs(stats.lower - lowerBound(target, s.gammaT)) <= 1e-12 * target);
            assert.ok(Math.abs(stats.upper - upperBound(target, s.gammaT)) <= 1e-12 * stats.upper);
            assertSame(nat.m, ts.m, `m at step ${t}`);
            assertSame(nat.v, ts.v, `v at step ${t}`);
            assertSame(nat.vmax, ts.vmax, `vmax at step ${t}`);
            for (let j = 0; j < c.n; j++) {
              const ulp = Math.max(2 ** -149, Math.abs(ts.x[j]) * 2 ** -23);
              if (!(Math.abs(nat.x[j] - ts.x[j]) <= ulp)) {
                assert.fail(`x[${j}] at step ${t}: native ${nat.x[j]} vs TypeScript ${ts.x[j]}`);
              }
            }
          });
        });
      }
    }
  }

  test("zero gradients leave x unchanged (no NaN from 0/0)", () => {
    const x = Float32Array.from([0.5, -0.25, 0, 1]);
    const state = { m: new Float32Array(4), v: new Float32Array(4), vmax: new Float32Array(4) };
    const s = {
      decay: 1,
      beta1: 0.9,
      beta2: 0.999,
      stepSize: 0.1,
      invBc2: 1000,
      eps: 1e-8,
      gammaT: 0.001,
      lam: 1,
    };
    steps!.bamsprodUpdate(x, new Float32Array(4), true, state, s, 1);
    assertSame(x, [0.5, -0.25, 0, 1], "x");
  });
});
