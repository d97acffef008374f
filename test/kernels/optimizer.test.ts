import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { getBackend, portableBackend, setBackend, type OptimizerKernels } from "../../src/kernels/index.js";
import { ADAM_DEFAULTS, adamScalars, adamUpdate } from "../../src/optim/adam.js";
import { amsgradUpdate } from "../../src/optim/amsgrad.js";
import { fusedUpdate, fusedUpdateAlone } from "../../src/optim/bamsprodFused.js";
import {
  Bamsprod,
  lowerBound,
  quantizationError,
  upperBound,
  type BamsprodScalars,
} from "../../src/optim/bamsprod.js";
import { createOptimizer, type OptimizerName } from "../../src/optim/index.js";
import { countBadGradients, GRADIENT_LIMIT } from "../../src/optim/params.js";
import { statisticsPass } from "../../src/optim/bamsprodTypescript.js";
import { meanAbs } from "../../src/optim/bamsprod.js";
import { SUM_BLOCK, sumAbs, sumDeviation, sumValues } from "../../src/optim/sums.js";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { loadAddon } from "../../src/kernels/native/addon.js";
import { describeBackends, nativeSkip, type Subject } from "./backends.js";
import { assertRerunPasses } from "../helpers/rerun.js";
import { assertSame, coarseArray, randomArray } from "./helpers.js";

/** Subjects with fused optimizer updates (the portable backend has none: its loops are the reference). */
const hasFused = (s: Subject): boolean => s.skip !== false || s.backend().optimizer !== null;

// Sizes below and above the 4 blocks of 4096 elements from which the native updates run on
// several threads, with partial blocks and partial groups of eight lanes.
const sizes = [1, 7, SUM_BLOCK + 5, 3 * SUM_BLOCK + 13, 40_001];

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

function bamsprodScalars(c: Config, gamma: number, t: number): BamsprodScalars {
  return {
    decay: 1 - c.lr * c.weightDecay,
    beta1: 0.9,
    beta2: 0.999,
    stepSize: c.lr / (1 - 0.9 ** t),
    invBc2: 1 / (1 - 0.999 ** t),
    eps: 1e-8,
    gammaT: gamma * t,
    lam: 1,
  };
}

const fresh = (n: number) => ({ m: new Float32Array(n), v: new Float32Array(n), vmax: new Float32Array(n) });

// Adam and AMSGrad repeat the TypeScript arithmetic operation for operation: bit-identical.
describeBackends(
  "fused Adam/AMSGrad updates vs src/optim (exact)",
  (subject) => {
    const steps = () => subject.backend().optimizer;
    for (const amsgrad of [false, true]) {
      for (const c of configs()) {
        test(`${amsgrad ? "amsgrad" : "adam"}, n ${c.n}, weightDecay ${c.weightDecay}, clip ${c.clip}`, () => {
          const rng = new Rng(c.n + (amsgrad ? 1 : 0));
          const x0 = randomArray(rng, c.n).map((v) => v * 1.2);
          const grads = gradients(rng, c.n, 6, 0.1);
          const options = { ...ADAM_DEFAULTS, lr: c.lr, weightDecay: c.weightDecay };
          const ts = { x: x0.slice(), ...fresh(c.n) };
          const nat = { x: x0.slice(), ...fresh(c.n) };
          grads.forEach((g, i) => {
            const s = adamScalars(options, { t: i + 1, lr: c.lr });
            if (amsgrad) {
              amsgradUpdate(ts.x, g, ts.m, ts.v, ts.vmax, s, c.clip);
              steps()!.amsgradUpdate(nat.x, g, nat.m, nat.v, nat.vmax, s, c.clip);
            } else {
              adamUpdate(ts.x, g, ts.m, ts.v, s, c.clip);
              steps()!.adamUpdate(nat.x, g, nat.m, nat.v, s, c.clip);
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
  },
  hasFused,
);

// BAMSProd: the native float64 sums follow src/optim/sums.ts's order, so everything is
// bit-identical to the TypeScript update, the statistics of lines 6-8 included.
describeBackends(
  "fused BAMSProd update vs src/optim (exact)",
  (subject) => {
    const steps = () => subject.backend().optimizer;
    for (const gamma of [1e-3, 0.5]) {
      for (const binary of [true, false]) {
        for (const c of configs()) {
          test(`gamma ${gamma}, binary ${binary}, n ${c.n}, weightDecay ${c.weightDecay}, clip ${c.clip}`, () => {
            const rng = new Rng(c.n * 7 + (binary ? 1 : 0));
            // Coarse values (ties, zeros, -0) in one tensor of two: signs at 0 and equal maxima.
            const x0 = c.n % 2 === 0 ? coarseArray(rng, c.n) : randomArray(rng, c.n).map((v) => v * 1.2);
            const grads = gradients(rng, c.n, 6, 0.1);
            const opt = new Bamsprod({
              lr: c.lr,
              gamma,
              weightDecay: c.weightDecay,
              clip: c.clip === Infinity ? null : c.clip,
            });
            const clip = binary ? c.clip : Infinity;
            const ts = { x: x0.slice(), ...fresh(c.n) };
            const nat = { x: x0.slice(), ...fresh(c.n) };
            grads.forEach((g, i) => {
              const t = i + 1;
              const s = bamsprodScalars(c, gamma, t);
              const e = binary ? quantizationError(ts.x, s.decay) : 0;
              opt.updateTensor(ts.x, g, binary, ts, s);
              const stats = fusedUpdateAlone(steps()!, nat.x, g, binary, nat, s, clip);
              const target = (sumValues(ts.vmax) / c.n) * s.invBc2 * (1 + e) ** 2;
              assert.equal(stats.quantError, e, `e at step ${t}`);
              assert.equal(stats.target, target, `target at step ${t}`);
              assert.equal(stats.lower, lowerBound(target, s.gammaT), `lower at step ${t}`);
              assert.equal(stats.upper, upperBound(target, s.gammaT), `upper at step ${t}`);
              assertSame(nat.m, ts.m, `m at step ${t}`);
              assertSame(nat.v, ts.v, `v at step ${t}`);
              assertSame(nat.vmax, ts.vmax, `vmax at step ${t}`);
              assertSame(nat.x, ts.x, `x at step ${t}`);
            });
          });
        }
      }
    }

    test("the read-only pass and the deviation pass give the TypeScript sums, with any guess of a", () => {
      const rng = new Rng(17);
      for (const n of sizes) {
        const x = coarseArray(rng, n);
        const g = randomArray(rng, n).map((v) => v * 0.1);
        const v = randomArray(rng, n).map((w) => w * w * 0.01);
        const vmax = v.map((w, i) => (i % 3 === 0 ? w * 2 : w));
        const s = bamsprodScalars({ n, weightDecay: 0.01, clip: 1, lr: 0.05 }, 1e-3, 2);
        // Lines 3-4 in TypeScript, stored in copies, summed in the documented order.
        const state = { m: new Float32Array(n), v: v.slice(), vmax: vmax.slice() };
        statisticsPass(null, g, state.m, state.v, state.vmax, s, 0, new Float64Array(2));
        for (const pivot of [0, 0.37, meanAbs(x, s.decay), NaN]) {
          const out = new Float64Array(3);
          assert.equal(steps()!.bamsprodInspect(x, g, v, vmax, s, GRADIENT_LIMIT, pivot, out), 0);
          const expected = [sumValues(state.vmax), sumAbs(x, s.decay), sumDeviation(x, s.decay, pivot)];
          assert.deepEqual(Array.from(out), expected, `n ${n}, pivot ${pivot}`);
          assert.equal(steps()!.bamsprodInspect(null, g, v, vmax, s, GRADIENT_LIMIT, pivot, out), 0);
          assert.deepEqual(Array.from(out), [expected[0], 0, 0], `real tensor, n ${n}`);
          assert.equal(steps()!.bamsprodDeviation(x, s, pivot), expected[2]);
        }
      }
    });

    /** Five steps with the guess carried from step to step, beside updates that never guess. */
    function guessing(weightDecay: number, touch: (x: Float32Array, t: number) => void): number[] {
      const rng = new Rng(21);
      const n = 9000; // two blocks of the sums and a partial one
      const x0 = randomArray(rng, n).map((v) => v * 1.1);
      const guessed = { x: x0.slice(), ...fresh(n) };
      const plain = { x: x0.slice(), ...fresh(n) };
      const deviationPasses: number[] = [];
      let t = 0;
      const counting: OptimizerKernels = {
        ...steps()!,
        bamsprodDeviation(x, s, a) {
          deviationPasses.push(t);
          return steps()!.bamsprodDeviation(x, s, a);
        },
      };
      const sums = new Float64Array(3);
      let pivot = NaN;
      for (t = 1; t <= 5; t++) {
        const g = randomArray(rng, n).map((v) => v * 0.1);
        const s = bamsprodScalars({ n, weightDecay, clip: 1, lr: 0.02 }, 0.3, t);
        touch(guessed.x, t);
        touch(plain.x, t);
        assert.equal(
          counting.bamsprodInspect(guessed.x, g, guessed.v, guessed.vmax, s, GRADIENT_LIMIT, pivot, sums),
          0,
        );
        const stats = fusedUpdate(counting, guessed.x, g, true, guessed, s, 1, sums, 0, pivot, {
          quantError: 0,
          target: 0,
          lower: 0,
          upper: 0,
          nextMeanAbs: 0,
        });
        const reference = fusedUpdateAlone(steps()!, plain.x, g, true, plain, s, 1);
        assert.equal(stats.quantError, reference.quantError, `e at step ${t}`);
        assert.ok(stats.quantError > 0);
        assertSame(guessed.x, plain.x, `x at step ${t}`);
        assertSame(guessed.vmax, plain.vmax, `vmax at step ${t}`);
        pivot = stats.nextMeanAbs;
      }
      return deviationPasses;
    }

    test("without weight decay the guess of a is exact from the second step on: x is read twice a step", () => {
      assert.deepEqual(
        guessing(0, () => {}),
        [1],
      );
    });

    test("weight decay, or x changed between steps: the guess misses, x is read once more, same bits", () => {
      assert.deepEqual(
        guessing(0.01, () => {}),
        [1, 2, 3, 4, 5],
      );
      const changeAtStep3 = (x: Float32Array, t: number) => {
        if (t === 3) x[17] = -x[17] * 0.5;
      };
      assert.deepEqual(guessing(0, changeAtStep3), [1, 3]);
    });

    test("the result does not depend on the thread count", () => {
      const before = subject.addon!.info().threads;
      const n = 20 * SUM_BLOCK + 3;
      const rng = new Rng(5);
      const x0 = randomArray(rng, n);
      const g = randomArray(rng, n).map((v) => v * 0.1);
      const c = { n, weightDecay: 0.01, clip: 1, lr: 0.05 };
      const run = (threads: number) => {
        subject.addon!.setThreads(threads);
        const state = { x: x0.slice(), ...fresh(n) };
        for (let t = 1; t <= 3; t++) {
          fusedUpdateAlone(steps()!, state.x, g, true, state, bamsprodScalars(c, 0.5, t), 1);
        }
        return state;
      };
      try {
        const runs = [1, 2, 3].map(run);
        for (const r of runs.slice(1)) {
          assertSame(r.x, runs[0].x, "x");
          assertSame(r.vmax, runs[0].vmax, "vmax");
        }
      } finally {
        subject.addon!.setThreads(before);
      }
    });

    test("zero gradients leave x unchanged (no NaN from 0/0)", () => {
      const x = Float32Array.from([0.5, -0.25, 0, 1]);
      const state = fresh(4);
      const c = { n: 4, weightDecay: 0, clip: 1, lr: 0.1 };
      fusedUpdateAlone(steps()!, x, new Float32Array(4), true, state, bamsprodScalars(c, 1e-3, 1), 1);
      assertSame(x, [0.5, -0.25, 0, 1], "x");
    });
  },
  hasFused,
);

// The addon runs the best vector loops this CPU has (AVX-512, AVX2) and the scalar ones for the
// last elements of a block. Every test of this file again with each lower path forced.
const forcedRun = process.env.BAMSPROD_OPTIM_PATH;
for (const path of ["avx2", "scalar"]) {
  test(
    `the ${path} loops give the same bits (this file rerun with BAMSPROD_OPTIM_PATH=${path})`,
    { skip: nativeSkip || (forcedRun !== undefined ? `this is the ${forcedRun} run` : false) },
    () => assertRerunPasses([fileURLToPath(import.meta.url)], { BAMSPROD_OPTIM_PATH: path }),
  );
}

test("BAMSPROD_OPTIM_PATH forces the loops it names when the CPU has them", { skip: nativeSkip }, () => {
  const path = loadAddon().addon!.info().optimPath;
  if (forcedRun === "scalar") assert.equal(path, "scalar");
  else if (forcedRun === "avx2") assert.ok(["avx2", "scalar"].includes(path), path);
  else assert.ok(["avx512", "avx2", "scalar"].includes(path), path);
});

describeBackends(
  "fused gradient check vs src/optim",
  (subject) => {
    const steps = () => subject.backend().optimizer;
    const edge = [
      0,
      -0,
      1,
      -1,
      2 ** -149,
      GRADIENT_LIMIT,
      -GRADIENT_LIMIT,
      Math.fround(GRADIENT_LIMIT) * (1 + 2 ** -23),
      3.4e38,
      Infinity,
      -Infinity,
      NaN,
    ];

    test("counts the same entries as the TypeScript check, for the step's limit and others", () => {
      const rng = new Rng(11);
      for (const n of [1, 9, 3 * SUM_BLOCK + 13]) {
        const g = randomArray(rng, n);
        for (let k = 0; k < Math.min(n, 40); k++) g[rng.int(n)] = edge[rng.int(edge.length)];
        for (const limit of [GRADIENT_LIMIT, 0, 0.5, 3.5e38, Infinity]) {
          const expected = g.reduce((bad, v) => bad + Number(!(Math.abs(v) <= limit)), 0);
          assert.equal(steps()!.countBadGradients(g, limit), expected, `n ${n}, limit ${limit}`);
          const zeros = new Float32Array(n);
          const out = new Float64Array(3);
          const s = { decay: 1, beta1: 0.9, beta2: 0.999, stepSize: 1, invBc2: 1, eps: 1e-8 };
          assert.equal(
            steps()!.bamsprodInspect(null, g, zeros, zeros, s, limit, 0, out),
            expected,
            `inspect, n ${n}`,
          );
          if (limit === GRADIENT_LIMIT) assert.equal(countBadGradients(g), expected);
        }
      }
    });

    test("a clean gradient has no bad entries", () => {
      const g = Float32Array.from([0, -0, GRADIENT_LIMIT, -GRADIENT_LIMIT, 1e-40]);
      assert.equal(steps()!.countBadGradients(g, GRADIENT_LIMIT), 0);
    });
  },
  hasFused,
);

// Through `optimizer.step`: with the native kernels selected, Adam, AMSGrad and BAMSProd run
// natively (Bop: its real tensors) and give the bits of the TypeScript loops.
describeBackends(
  "optimizers on a backend with fused updates",
  (subject) => {
    const previous = getBackend();
    after(() => setBackend(previous));
    const run = (
      name: OptimizerName,
      useNative: boolean,
      steps: Float32Array[][],
      x0: Float32Array[],
      weightDecay: number,
    ) => {
      setBackend(useNative ? subject.backend() : portableBackend);
      assert.equal(getBackend().optimizer !== null, useNative);
      const opt = createOptimizer(name, {
        lr: 0.03,
        weightDecay,
        ...(name === "bamsprod" ? { gamma: 0.3 } : {}),
      });
      const values = x0.map((x) => x.slice());
      for (const grads of steps) {
        opt.step(values.map((value, i) => ({ name: `t${i}`, value, grad: grads[i], binary: i % 2 === 0 })));
      }
      return { values, state: opt.stateDict() };
    };

    // BAMSProd without weight decay reuses its guess of mean|x| from step to step; with it, never.
    for (const [name, weightDecay] of [
      ["adam", 0.01],
      ["amsgrad", 0.01],
      ["bamsprod", 0.01],
      ["bamsprod", 0],
      ["bop", 0.01],
    ] as const) {
      test(`${name}, weightDecay ${weightDecay}: native steps equal TypeScript steps bit for bit (state included)`, () => {
        const rng = new Rng(21);
        const lengths = [5 * SUM_BLOCK + 9, 33, 0, 4 * SUM_BLOCK];
        const x0 = lengths.map((n) => randomArray(rng, n));
        const steps = Array.from({ length: 4 }, () =>
          lengths.map((n) => randomArray(rng, n).map((v) => v * 0.2)),
        );
        const ts = run(name, false, steps, x0, weightDecay);
        const nat = run(name, true, steps, x0, weightDecay);
        nat.values.forEach((x, i) => assertSame(x, ts.values[i], `tensor ${i}`));
        assert.deepEqual(nat.state, ts.state);
      });
    }

    test("a bad gradient is refused natively as in TypeScript: named, nothing changed", () => {
      setBackend(subject.backend());
      const opt = createOptimizer("bamsprod");
      const value = Float32Array.from({ length: 3 * SUM_BLOCK }, (_, i) => Math.sin(i));
      const grad = new Float32Array(value.length).fill(0.01);
      opt.step([{ name: "w", value, grad, binary: true }]);
      const before = value.slice();
      const state = JSON.stringify(opt.stateDict());
      grad[SUM_BLOCK + 7] = 2e19;
      assert.throws(
        () => opt.step([{ name: "w", value, grad, binary: true }]),
        (e: unknown) =>
          e instanceof BamsprodError &&
          /"w" \(params\[0\]\) is 1\.99+\d*e\+19, beyond .* at index 4103 at step 2/.test(e.message),
      );
      assertSame(value, before, "value");
      assert.equal(JSON.stringify(opt.stateDict()), state);
    });
  },
  hasFused,
);
