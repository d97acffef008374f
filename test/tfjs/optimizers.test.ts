/**
 * The tfjs optimizers as tfjs objects: memory, minimize, serialization, state save/restore,
 * the binary predicate, constraints, and option errors.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import {
  AdaBound,
  AMSBound,
  AMSGrad,
  BAMSProd,
  Bop,
  markBinary,
  setVariableConstraint,
  WeightClip,
  type BinaryAwareOptimizer,
} from "../../src/tfjs/index.js";
import { normals, snapshot, useBackend } from "./helpers.js";

before(useBackend);

const makers: Record<string, (o?: Record<string, unknown>) => BinaryAwareOptimizer> = {
  BAMSProd: (o) => new BAMSProd(o),
  AMSGrad: (o) => new AMSGrad(o),
  AdaBound: (o) => new AdaBound(o),
  AMSBound: (o) => new AMSBound(o),
  Bop: (o) => new Bop(o),
};

let unique = 0;

/** A binary [6, 5] kernel and a real [5] bias with seeded values and distinct names. */
function makeVariables(seed: number, init?: Float32Array[]): tf.Variable[] {
  const rng = new Rng(seed);
  const id = unique++;
  const kernel = tf.variable(tf.tensor(init?.[0] ?? normals(30, rng, 0.5), [6, 5]), true, `t${id}/kernel`);
  const bias = tf.variable(tf.tensor(init?.[1] ?? normals(5, rng, 0.1), [5]), true, `t${id}/bias`);
  markBinary(kernel);
  return [kernel, bias];
}

/** One step with seeded gradients, given as a NamedTensor list in variable order. */
function step(opt: tf.Optimizer, variables: tf.Variable[], rng: Rng): void {
  const grads = variables.map((v) => ({ name: v.name, tensor: tf.tensor(normals(v.size, rng), v.shape) }));
  opt.applyGradients(grads);
  tf.dispose(grads.map((g) => g.tensor));
}

for (const [name, make] of Object.entries(makers)) {
  test(`${name}: no tensor leaks per step (applyGradients and minimize)`, () => {
    const variables = makeVariables(1);
    const opt = make();
    const rng = new Rng(2);
    step(opt, variables, rng); // the first step allocates the state buffers
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step(opt, variables, rng);
    assert.equal(tf.memory().numTensors, afterFirst);
    const x = tf.tensor2d(normals(8 * 6, rng), [8, 6]);
    const loss = (): tf.Scalar => tf.mean(tf.square(tf.add(tf.matMul(x, variables[0]), variables[1])));
    opt.minimize(loss, false, variables);
    const afterMinimize = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.minimize(loss, false, variables);
    assert.equal(tf.memory().numTensors, afterMinimize);
    assert.equal(opt.iterations, 42);
    opt.dispose();
    tf.dispose([x, ...variables]);
  });

  test(`${name}: getConfig/fromConfig through the tfjs serialization registry`, () => {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
    assert.ok(entry !== undefined, `${name} is not registered`);
    const opt = make({ lr: 0.005, beta2: 0.99 });
    const [cls, fromConfig] = entry;
    // tfjs-layers adds customObjects to the config when it loads a model; it must be ignored.
    const copy = fromConfig(cls, { ...opt.getConfig(), customObjects: {} }) as BinaryAwareOptimizer;
    assert.equal(copy.getClassName(), name);
    assert.deepEqual(copy.getConfig(), opt.getConfig());
    assert.equal(copy.getConfig().lr, 0.005);
  });

  test(`${name}: getWeights/setWeights continue exactly, by name and by position`, async () => {
    const variables = makeVariables(3);
    const opt = make({ lr: 0.01 });
    const rng = new Rng(4);
    for (let i = 0; i < 10; i++) step(opt, variables, rng);
    const saved = await opt.getWeights();
    assert.equal(saved[0].name, "iter");
    assert.equal(saved[0].tensor.dataSync()[0], 10);
    assert.ok(saved.some((w) => w.name === `${variables[0].name}/m`));
    const savedCopy = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const values = snapshot(variables);
    for (let i = 0; i < 10; i++) step(opt, variables, new Rng(100 + i));
    const expected = snapshot(variables);

    // By name: the same variables, reset to the saved values, with a restored optimizer.
    variables.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape)));
    const byName = make(opt.getConfig());
    await byName.setWeights(savedCopy);
    assert.equal(byName.iterations, 10);
    for (let i = 0; i < 10; i++) step(byName, variables, new Rng(100 + i));
    assert.deepEqual(snapshot(variables), expected);

    // By position: other variables (other names, as after tf.loadLayersModel in the same process).
    const renamed = makeVariables(0, values);
    const byPosition = make(opt.getConfig());
    await byPosition.setWeights(savedCopy);
    for (let i = 0; i < 10; i++) step(byPosition, renamed, new Rng(100 + i));
    assert.deepEqual(snapshot(renamed), expected);
    assert.deepEqual(
      (await byPosition.getWeights()).map((w) => w.name).slice(1, 2),
      [`${renamed[0].name}/m`],
      "state is saved under the new names",
    );
    tf.dispose([...variables, ...renamed, ...savedCopy.map((w) => w.tensor)]);
    [opt, byName, byPosition].forEach((o) => o.dispose());
  });
}

test("restored state that does not fit the variables is refused with a BamsprodError", async () => {
  const variables = makeVariables(5);
  const opt = new BAMSProd();
  step(opt, variables, new Rng(6));
  const saved = await opt.getWeights();
  const other = new BAMSProd();
  await other.setWeights(saved);
  const lone = tf.variable(tf.zeros([3]), true, `lone${unique++}`);
  assert.throws(() => step(other, [lone], new Rng(7)), BamsprodError);
  tf.dispose([...variables, lone]);
});

test("the clip applies to binary variables only; the registry and a predicate select them", () => {
  // A large step pushes every value past 1: binary ones stop at the clip, real ones do not.
  const make = (): tf.Variable[] => [
    tf.variable(tf.fill([4], 0.9), true, `clip_b${unique++}`),
    tf.variable(tf.fill([4], 0.9), true, `clip_r${unique++}`),
  ];
  const push = (opt: tf.Optimizer, vars: tf.Variable[]): void => {
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.fill([4], -1) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  };
  const registered = make();
  markBinary(registered[0]);
  push(new AMSGrad({ lr: 0.5 }), registered);
  assert.deepEqual([...registered[0].dataSync()], [1, 1, 1, 1]);
  assert.ok(registered[1].dataSync().every((x) => Math.abs(x - 1.4) < 1e-6));

  const byPredicate = make();
  push(new AMSGrad({ lr: 0.5, isBinary: (v) => v.name === byPredicate[1].name }), byPredicate);
  assert.ok(byPredicate[0].dataSync().every((x) => Math.abs(x - 1.4) < 1e-6));
  assert.deepEqual([...byPredicate[1].dataSync()], [1, 1, 1, 1]);
  tf.dispose([...registered, ...byPredicate]);
});

test("a registered constraint (WeightClip) is applied after each update", () => {
  const v = tf.variable(tf.fill([3], 0.4), true, `constrained${unique++}`);
  setVariableConstraint(v, new WeightClip({ clipValue: 0.5 }));
  const g = tf.fill([3], -1);
  new BAMSProd({ lr: 0.3 }).applyGradients({ [v.name]: g });
  assert.deepEqual([...v.dataSync()], [0.5, 0.5, 0.5]);
  tf.dispose([v, g]);
});

test("BAMSProd: zero gradients forever leave the values unchanged (no NaN)", () => {
  // Latent values inside [-clip, clip], so that the clip has nothing to do either.
  const [kernel, bias] = makeVariables(8);
  kernel.assign(tf.clipByValue(kernel, -0.9, 0.9));
  const before = snapshot([kernel, bias]);
  const opt = new BAMSProd();
  for (let i = 0; i < 5; i++) {
    const zeros = { [kernel.name]: tf.zerosLike(kernel), [bias.name]: tf.zerosLike(bias) };
    opt.applyGradients(zeros);
    tf.dispose(Object.values(zeros));
  }
  assert.deepEqual(snapshot([kernel, bias]), before);
  tf.dispose([kernel, bias]);
});

test("minimize drives a quadratic loss down", () => {
  const target = tf.tensor1d([0.5, -1, 2, 0]);
  const w = tf.variable(tf.zeros([4]), true, `quad${unique++}`);
  const loss = (): tf.Scalar => tf.sum(tf.square(tf.sub(w, target)));
  const opt = new BAMSProd({ lr: 0.05 });
  const start = loss().dataSync()[0];
  for (let i = 0; i < 300; i++) opt.minimize(loss, false, [w]);
  const end = loss().dataSync()[0];
  assert.ok(end < start / 100, `loss ${start} -> ${end}`);
  tf.dispose([target, w]);
});

test("AdaBound keeps its initial lr in the config, so restored bounds follow the same schedule", () => {
  const opt = new AdaBound({ lr: 0.01 });
  opt.lr = 0.001; // a schedule moved it
  const copy = new AdaBound(opt.getConfig());
  assert.equal(copy.lr, 0.001);
  assert.equal(copy.initialLr, 0.01);
});

test("bad options are BamsprodErrors naming the option", () => {
  assert.throws(
    () => new BAMSProd({ lr: -1 }),
    (e: Error) => e instanceof BamsprodError && /lr/.test(e.message),
  );
  assert.throws(
    () => new BAMSProd({ gama: 0.1 } as unknown as Record<string, number>),
    (e: Error) => e instanceof BamsprodError && /gamma/.test(e.message),
  );
  assert.throws(() => new Bop({ gamma: 2 }), BamsprodError);
  assert.throws(() => new AdaBound({ initialLr: 0 }), BamsprodError);
  assert.throws(() => new AMSGrad({ isBinary: 3 as unknown as () => boolean }), BamsprodError);
  const opt = new AMSGrad({ weightDecay: 10 });
  assert.throws(() => (opt.lr = 0.5), BamsprodError); // lr * weightDecay >= 1
  assert.throws(() => (opt.lr = 0), BamsprodError);
});

test("options are read as `options`, as in the core; the old per-option fields still answer", () => {
  const opt = new BAMSProd({ beta1: 0.8, clip: null });
  assert.equal(opt.options.beta1, 0.8);
  assert.equal(opt.options.clip, null);
  assert.equal(opt.options.gamma, 1e-3);
  const fields = (o: object): Record<string, unknown> => o as Record<string, unknown>;
  assert.equal(fields(opt).beta1, 0.8); // deprecated
  assert.equal(fields(new AdaBound({ finalLr: 0.2 })).finalLr, 0.2); // deprecated
});
