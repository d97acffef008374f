import assert from "node:assert/strict";
import { test } from "node:test";
import * as root from "../../src/index.js";
import {
  Adabound,
  Adam,
  Amsbound,
  Amsgrad,
  Bamsprod,
  Bop,
  createOptimizer,
  Optimizer,
  optimizerDefaults,
  optimizerNames,
  Sgd,
} from "../../src/optim/index.js";
import { specBamsprodDefaults } from "./helpers.js";

test("optimizerNames lists the seven optimizers; createOptimizer builds each", () => {
  assert.deepEqual(optimizerNames, ["sgd", "adam", "amsgrad", "adabound", "amsbound", "bop", "bamsprod"]);
  const classes = [Sgd, Adam, Amsgrad, Adabound, Amsbound, Bop, Bamsprod];
  optimizerNames.forEach((name, i) => {
    const opt = createOptimizer(name);
    assert.ok(opt instanceof classes[i]);
    assert.ok(opt instanceof Optimizer);
    assert.equal(opt.name, name);
    assert.deepEqual(opt.options, optimizerDefaults[name]);
    assert.equal(opt.lr, optimizerDefaults[name].lr);
    assert.equal(opt.stepCount, 0);
  });
});

test("the spec's defaults", () => {
  assert.deepEqual(optimizerDefaults.bamsprod, specBamsprodDefaults);
  assert.equal(optimizerDefaults.adabound.finalLr, 0.1);
  assert.equal(optimizerDefaults.amsbound.gamma, 1e-3);
  assert.equal(optimizerDefaults.bop.gamma, 1e-4);
  assert.equal(optimizerDefaults.bop.threshold, 1e-8);
  assert.equal(optimizerDefaults.bop.lr, 1e-3);
  assert.equal(optimizerDefaults.sgd.momentum, 0);
  assert.ok(Object.isFrozen(optimizerDefaults.adam));
});

test("the package root exports the optimizer API", () => {
  assert.equal(root.createOptimizer, createOptimizer);
  assert.equal(root.optimizerNames, optimizerNames);
  assert.equal(root.Bamsprod, Bamsprod);
  assert.equal(typeof root.schedules.warmup, "function");
  const opt = root.createOptimizer("bamsprod", { lr: 0.01 });
  const x = Float32Array.from([0.5, -0.5]);
  opt.step([{ name: "w", value: x, grad: Float32Array.from([1, -1]), binary: true }]);
  assert.ok(x[0] < 0.5 && x[1] > -0.5);
});

test("AMSGrad is Adam with its amsgrad flag, AMSBound AdaBound with amsbound; the old names still work", () => {
  const tfjsNames = ["BAMSProd", "AMSGrad", "AdaBound", "AMSBound", "Bop"];
  for (const name of tfjsNames)
    assert.equal(typeof (root as Record<string, unknown>)[name], "function", name);
  assert.equal(root.AMSGrad, Amsgrad);
  assert.equal(root.AdaBound, Adabound);
  assert.equal(root.AMSBound, Amsbound);
  assert.equal(root.BAMSProd, Bamsprod);
  const amsgrad = createOptimizer("amsgrad");
  assert.ok(amsgrad instanceof Adam && amsgrad.amsgrad);
  assert.equal(new Adam({}, true).name, "amsgrad");
  assert.ok(!createOptimizer("adam").amsgrad);
  const amsbound = createOptimizer("amsbound");
  assert.ok(amsbound instanceof Adabound && amsbound.amsbound);
  assert.equal(new Adabound({}, true).name, "amsbound");
  assert.ok(!createOptimizer("adabound").amsbound);
});
