/**
 * The shape of the `bamsprod/tfjs` entry point: browser-safe (no Node built-ins anywhere in
 * its module graph, only `@tensorflow/tfjs` as an outside dependency), and the core package
 * never loads tfjs. Also: the tfjs optimizers take the same options as the core ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildSrc, nodeBuiltins, outsideImports } from "../helpers/importGraph.js";
import { createOptimizer, optimizerDefaults, type OptimizerName } from "../../src/optim/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import {
  AdaBound,
  AMSBound,
  AMSGrad,
  BAMSProd,
  Bop,
  type BinaryAwareOptimizer,
} from "../../src/tfjs/index.js";

test("bamsprod/tfjs needs only @tensorflow/tfjs: no Node built-ins, so it loads in a browser", () => {
  const outside = [...outsideImports(join(buildSrc, "tfjs/index.js"))];
  assert.deepEqual(outside, ["@tensorflow/tfjs"]);
  assert.deepEqual(nodeBuiltins(outside), []);
});

test("the core package does not load @tensorflow/tfjs", () => {
  const outside = outsideImports(join(buildSrc, "index.js"));
  assert.ok(![...outside].some((spec) => spec.startsWith("@tensorflow/")), [...outside].join(", "));
});

const pairs: [OptimizerName, (o?: Record<string, unknown>) => BinaryAwareOptimizer][] = [
  ["bamsprod", (o) => new BAMSProd(o)],
  ["amsgrad", (o) => new AMSGrad(o)],
  ["adabound", (o) => new AdaBound(o)],
  ["amsbound", (o) => new AMSBound(o)],
  ["bop", (o) => new Bop(o)],
];

for (const [name, make] of pairs) {
  test(`${name}: the tfjs optimizer has the core's defaults and refuses the same options`, () => {
    const { initialLr: _initialLr, ...config } = make().getConfig();
    const defaults: Record<string, unknown> = { ...optimizerDefaults[name] };
    assert.deepEqual(config, defaults);
    const candidates: Record<string, unknown>[] = [
      { lr: 0 },
      { lr: Number.NaN },
      { lr: "0.1" },
      { beta1: 1 },
      { beta2: -0.1 },
      { eps: 0 },
      { weightDecay: -1 },
      { lr: 0.5, weightDecay: 2 },
      { clip: 0 },
      { clip: null },
      { gamma: 0 },
      { gamma: 1 },
      { gamma: 2 },
      { lam: -1 },
      { lam: 0 },
      { finalLr: 0 },
      { threshold: -1 },
      { threshold: 0 },
      { lr: 0.1, beta1: 0, beta2: 0.5 },
      { lrr: 0.1 },
    ];
    let refused = 0;
    for (const options of candidates) {
      const coreRefuses = refuses(() => createOptimizer(name, options));
      assert.equal(
        refuses(() => make(options)),
        coreRefuses,
        `${name} ${JSON.stringify(options)}`,
      );
      if (coreRefuses) refused++;
    }
    assert.ok(refused >= 8, "too few refused candidates to test anything");
  });
}

function refuses(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (error) {
    assert.ok(error instanceof BamsprodError, `not a BamsprodError: ${String(error)}`);
    return true;
  }
}
