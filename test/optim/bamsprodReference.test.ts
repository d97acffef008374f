/**
 * The fast BAMSProd paths (TypeScript on the portable backend, fused passes on a backend that
 * has them) against the reference step, docs/algorithm.md's lines written out: the same bits
 * for x, m, v and vmax at every step.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { getBackend, setBackend } from "../../src/kernels/index.js";
import { BAMSPROD_DEFAULTS } from "../../src/optim/defaults.js";
import {
  Bamsprod,
  lowerBound,
  quantizationError,
  target,
  upperBound,
  type BamsprodConfig,
  type BamsprodScalars,
} from "../../src/optim/bamsprod.js";
import { bamsprodReferenceStep } from "../../src/optim/bamsprodReference.js";
import { SUM_BLOCK, sumValues } from "../../src/optim/sums.js";
import type { TensorState } from "../../src/optim/types.js";
import { decodeFloat32 } from "../../src/util/base64.js";
import { Rng } from "../../src/util/random.js";
import { describeBackends } from "../kernels/backends.js";
import { assertSame, coarseArray, randomArray } from "../kernels/helpers.js";

const configs: Partial<BamsprodConfig>[] = [
  {},
  { lr: 0.05, gamma: 0.5 },
  { lr: 0.02, weightDecay: 0.01, clip: null },
  { lr: 0.03, lam: 0, gamma: 0.3 },
  { lr: 0.01, gamma: 1e-9 },
];

// Lengths with partial blocks and lanes, an empty tensor, and one past the native threading grain.
const lengths = [1, 7, 33, 0, SUM_BLOCK + 5, 4 * SUM_BLOCK + 13];

describeBackends("BAMSProd step vs the reference", (subject) => {
  for (const options of configs) {
    test(`options ${JSON.stringify(options)}: x, m, v, vmax identical at every step`, () => {
      const previous = getBackend();
      setBackend(subject.backend());
      try {
        const o: BamsprodConfig = { ...BAMSPROD_DEFAULTS, ...options };
        const rng = new Rng(lengths.length + Object.keys(options).length);
        const x0 = lengths.map((n, i) =>
          i % 2 === 0 ? coarseArray(rng, n) : randomArray(rng, n).map((v) => 1.3 * v),
        );
        const fast = x0.map((x) => x.slice());
        const ref = x0.map((x) => x.slice());
        const states: TensorState[] = lengths.map((n) => ({
          m: new Float32Array(n),
          v: new Float32Array(n),
          vmax: new Float32Array(n),
        }));
        const optimizer = new Bamsprod(options);
        for (let t = 1; t <= 5; t++) {
          const grads = lengths.map((n) => randomArray(rng, n).map((v) => (t === 4 ? 0 : 0.1 * v)));
          if (t === 3) [fast, ref].forEach((xs) => (xs[2][5] = -0.5 * xs[2][5])); // x changed between steps
          const decay = 1 - o.lr * o.weightDecay;
          const e = fast.map((x, i) => (i % 3 !== 1 && x.length > 0 ? quantizationError(x, decay) : 0));
          optimizer.step(
            fast.map((value, i) => ({ name: `t${i}`, value, grad: grads[i], binary: i % 3 !== 1 })),
          );
          lengths.forEach((n, i) => {
            const stats = bamsprodReferenceStep(ref[i], grads[i], i % 3 !== 1, states[i], o, t, o.lr);
            if (n === 0) return;
            // The fast paths' statistics helpers (bamsprodStats.ts) give the same float64 bits.
            assert.equal(stats.quantError, e[i], `e of tensor ${i} at step ${t}`);
            const s = { invBc2: 1 / (1 - o.beta2 ** t), lam: o.lam } as BamsprodScalars;
            assert.equal(stats.target, target(sumValues(states[i].vmax), n, e[i], s), `c of tensor ${i}`);
            assert.equal(stats.lower, lowerBound(stats.target, o.gamma * t), `c_l of tensor ${i}`);
            assert.equal(stats.upper, upperBound(stats.target, o.gamma * t), `c_u of tensor ${i}`);
          });
          const state = optimizer.stateDict().tensors!;
          lengths.forEach((_, i) => {
            assertSame(fast[i], ref[i], `x of tensor ${i} at step ${t}`);
            for (const key of ["m", "v", "vmax"]) {
              assertSame(
                decodeFloat32(state[i].state[key])!,
                states[i][key],
                `${key} of tensor ${i} at step ${t}`,
              );
            }
          });
        }
      } finally {
        setBackend(previous);
      }
    });
  }
});

test("the reference step numbers docs/algorithm.md's lines 1-11, in order, and the document has them", () => {
  const root = join(import.meta.dirname, "..", "..", "..");
  const code = readFileSync(join(root, "src/optim/bamsprodReference.ts"), "utf8");
  const numbered = [...code.matchAll(/\/\/ (\d+)\.\s/g)].map((m) => Number(m[1]));
  assert.deepEqual(numbered, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const doc = readFileSync(join(root, "docs/algorithm.md"), "utf8");
  const lines = [...doc.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
  assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});
