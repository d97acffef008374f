/**
 * The tfjs optimizers against the core optimizers (src/optim): given the same initial tensors
 * and the same gradients, both must produce the same values for 100 steps, within float32
 * rounding. The gradients change scale by orders of magnitude between steps and are
 * sometimes all zero, so the bounds, the clip, weight decay and Bop's flips all come into play.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, type OptimizerName } from "../../src/optim/index.js";
import { decodeFloat32 } from "../../src/optim/statedict.js";
import { Rng } from "../../src/util/random.js";
import { AdaBound, AMSBound, AMSGrad, BAMSProd, Bop, markBinary } from "../../src/tfjs/index.js";
import { assertAllClose, maxAbsDiff, normals, useBackend } from "./helpers.js";

before(useBackend);

interface TensorSpec {
  name: string;
  shape: number[];
  binary: boolean;
  initScale: number;
}

const tensors: TensorSpec[] = [
  { name: "w1", shape: [12, 8], binary: true, initScale: 0.5 },
  { name: "b1", shape: [8], binary: false, initScale: 0.1 },
  // Starts partly outside [-1, 1]: the first clip of the binary latent weights bites.
  { name: "w2", shape: [8, 4], binary: true, initScale: 1.2 },
  { name: "scale", shape: [4], binary: false, initScale: 1 },
];

interface Case {
  core: OptimizerName;
  make: (options: Record<string, unknown>) => tf.Optimizer;
  options: Record<string, number>;
  /** Bop's binary tensors are +-1: any disagreement would be a whole flip, so none is allowed. */
  exactBinary: boolean;
  /**
   * A simpler core optimizer that the run must visibly differ from, showing that the
   * mechanism that sets this one apart (projection, vmax, step bounds) was active.
   */
  contrast: OptimizerName | null;
}

// Options chosen so that every mechanism acts within 100 steps: gamma large enough for the
// bounds to close in, beta2 = 0.9 for AMSGrad so that v falls below its running maximum,
// weight decay on, Bop's threshold crossed by some averages and not others.
const cases: Case[] = [
  {
    core: "bamsprod",
    make: (o) => new BAMSProd(o),
    options: { lr: 0.02, gamma: 0.05, lam: 1, weightDecay: 0.01 },
    exactBinary: false,
    contrast: "amsgrad",
  },
  {
    core: "amsgrad",
    make: (o) => new AMSGrad(o),
    options: { lr: 0.02, beta2: 0.9, weightDecay: 0.01 },
    exactBinary: false,
    contrast: "adam",
  },
  {
    core: "adabound",
    make: (o) => new AdaBound(o),
    options: { lr: 0.02, finalLr: 0.05, gamma: 0.05, weightDecay: 0.01 },
    exactBinary: false,
    contrast: "adam",
  },
  {
    core: "amsbound",
    make: (o) => new AMSBound(o),
    options: { lr: 0.02, finalLr: 0.05, gamma: 0.05, weightDecay: 0.01 },
    exactBinary: false,
    contrast: "amsgrad",
  },
  {
    core: "bop",
    make: (o) => new Bop(o),
    options: { lr: 0.02, gamma: 0.05, threshold: 0.02, weightDecay: 0.01 },
    exactBinary: true,
    contrast: null,
  },
];

/** The gradient of step t for tensor i: normal values at a scale between 1e-3 and 1, or zeros. */
function gradients(rng: Rng, t: number): Float32Array[] {
  const scale = t % 17 === 0 ? 0 : Math.pow(10, -3 * rng.uniform());
  return tensors.map((spec) =>
    normals(
      spec.shape.reduce((a, b) => a * b, 1),
      rng,
      scale,
    ),
  );
}

// Float32 tolerance: both sides round every intermediate to float32, in different orders
// (the core sums statistics in float64), so values may differ by a few ulps, and the
// differences could accumulate over 100 steps. Measured worst case: 3.0e-7 (values up to ~2.3).
const ATOL = 1e-6;
const RTOL = 1e-6;

for (const c of cases) {
  test(`tfjs ${c.core} agrees with the core ${c.core} for 100 steps`, async () => {
    const rng = new Rng(7);
    const init = tensors.map((s) =>
      normals(
        s.shape.reduce((a, b) => a * b, 1),
        rng,
        s.initScale,
      ),
    );
    const prefix = `vs_core_${c.core}`;
    const variables = tensors.map((s, i) =>
      tf.variable(tf.tensor(init[i], s.shape), true, `${prefix}/${s.name}`),
    );
    // Binary-ness through the registry for most cases, through a predicate for Bop.
    let options: Record<string, unknown> = c.options;
    if (c.core === "bop") {
      const binaryNames = new Set(tensors.filter((s) => s.binary).map((s) => `${prefix}/${s.name}`));
      options = { ...c.options, isBinary: (v: tf.Variable) => binaryNames.has(v.name) };
    } else {
      tensors.forEach((s, i) => markBinary(variables[i], s.binary));
    }
    const tfjsOpt = c.make(options);
    const coreOpt = createOptimizer(c.core, c.options);
    const contrastOpt = c.contrast === null ? null : createContrast(c.contrast, c.options);
    const contrastParams = tensors.map((s, i) => ({
      value: Float32Array.from(init[i]),
      grad: init[i],
      binary: s.binary,
    }));
    const params = tensors.map((s, i) => ({
      name: s.name,
      value: Float32Array.from(init[i]),
      grad: new Float32Array(init[i].length),
      binary: s.binary,
    }));

    let worst = 0;
    let flips = 0;
    for (let t = 1; t <= 100; t++) {
      const grads = gradients(rng, t);
      grads.forEach((g, i) => params[i].grad.set(g));
      coreOpt.step(params);
      grads.forEach((g, i) => (contrastParams[i].grad = g));
      contrastOpt?.step(contrastParams);
      const named = tf.tidy(() =>
        Object.fromEntries(variables.map((v, i) => [v.name, tf.tensor(grads[i], tensors[i].shape)])),
      );
      const before = c.exactBinary ? variables.map((v) => v.dataSync().slice()) : [];
      tfjsOpt.applyGradients(named);
      tf.dispose(Object.values(named));
      for (let i = 0; i < tensors.length; i++) {
        const actual = variables[i].dataSync();
        if (c.exactBinary && tensors[i].binary) {
          assert.deepEqual([...actual], [...params[i].value], `step ${t}, ${tensors[i].name}`);
          flips += [...actual].filter((x, j) => t > 1 && Math.sign(x) !== Math.sign(before[i][j])).length;
        } else {
          worst = Math.max(worst, maxAbsDiff(actual, params[i].value));
          assertAllClose(actual, params[i].value, ATOL, RTOL, `step ${t}, ${tensors[i].name}`);
        }
      }
    }
    assert.equal(tfjsOpt.iterations, 100);
    assert.equal(coreOpt.stepCount, 100);
    if (c.exactBinary) assert.ok(flips > 0, "Bop never flipped a weight: the test would not test flips");
    assert.ok(worst < ATOL, `worst deviation ${worst}`);
    if (contrastOpt !== null) {
      const apart = Math.max(...variables.map((v, i) => maxAbsDiff(v.dataSync(), contrastParams[i].value)));
      assert.ok(
        apart > 1e-3,
        `${c.core} ended within ${apart} of ${c.contrast}: its own mechanism never acted`,
      );
    }
    await compareState(coreOpt.stateDict().tensors ?? [], tfjsOpt, prefix);
    tf.dispose(variables);
    tfjsOpt.dispose();
  });
}

/** The contrast optimizer with the options it shares with the tested one. */
function createContrast(
  name: OptimizerName,
  options: Record<string, number>,
): ReturnType<typeof createOptimizer> {
  const { lr, beta2, weightDecay } = options;
  return createOptimizer(name, { lr, beta2, weightDecay });
}

/** The moment buffers agree too: the core state arrays vs the tfjs optimizer's weights. */
async function compareState(
  records: { name: string | null; length: number; state: Record<string, string> }[],
  opt: tf.Optimizer,
  prefix: string,
): Promise<void> {
  const weights = new Map((await opt.getWeights()).map((w) => [w.name, w.tensor.dataSync()]));
  let compared = 0;
  for (const record of records) {
    for (const [key, encoded] of Object.entries(record.state)) {
      const expected = decodeFloat32(encoded, record.length);
      const actual = weights.get(`${prefix}/${record.name}/${key}`);
      assert.ok(expected !== null && actual !== undefined, `state ${record.name}/${key} missing`);
      // Moments are sums of gradients (scale up to ~3): tolerance relative to that.
      assertAllClose(actual, expected, 1e-6, 1e-5, `state ${record.name}/${key}`);
      compared++;
    }
  }
  assert.ok(compared >= records.length, "no state compared");
}
