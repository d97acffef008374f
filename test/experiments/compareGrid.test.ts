import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseGridSpecs,
  expandGrid,
  trainArgs,
  tuningRuns,
  finalRuns,
  validateCompareConfig,
  type CompareConfig,
} from "../../src/experiments/index.js";
import { trainFlags } from "../../src/experiments/compare/grid.js";
import { BamsprodError } from "../../src/util/errors.js";

const config = (over: Partial<CompareConfig> = {}): CompareConfig => ({
  models: ["bmlp"],
  optimizers: ["bamsprod", "bop"],
  seeds: 2,
  epochs: 3,
  tuneEpochs: 1,
  tuneSeeds: 2,
  jobs: 1,
  out: "x",
  trainSize: 500,
  grids: {},
  ...over,
});

test("--grid specs parse into per-optimizer grids; kebab-case option names are accepted", () => {
  assert.deepEqual(
    parseGridSpecs([
      "adam:lr=1e-3,3e-3",
      "bop:gamma=1e-4;bop:threshold=1e-8,1e-6",
      "sgd:weight-decay=0,1e-4",
    ]),
    {
      adam: { lr: [1e-3, 3e-3] },
      bop: { gamma: [1e-4], threshold: [1e-8, 1e-6] },
      sgd: { weightDecay: [0, 1e-4] },
    },
  );
});

test("bad --grid specs are refused with the offending text", () => {
  assert.throws(
    () => parseGridSpecs(["adam=1e-3"]),
    (e: Error) => e instanceof BamsprodError && /"adam=1e-3"/.test(e.message),
  );
  assert.throws(() => parseGridSpecs(["adam:speed=1"]), /unknown option "speed"/);
  assert.throws(() => parseGridSpecs(["adam:lr=1e-3,abc"]), /"abc" is not a number/);
  assert.throws(() => parseGridSpecs(["adam:lr=1", "adam:lr=2"]), /twice/);
});

test("grids expand to their cartesian product, first option slowest", () => {
  assert.deepEqual(expandGrid({ gamma: [1, 2], threshold: [3, 4] }), [
    { gamma: 1, threshold: 3 },
    { gamma: 1, threshold: 4 },
    { gamma: 2, threshold: 3 },
    { gamma: 2, threshold: 4 },
  ]);
  assert.deepEqual(expandGrid({}), [{}]);
});

test("the plan: tuning seeds never overlap final seeds, every run has its own directory", () => {
  const c = config({ grids: { bop: { gamma: [1e-4] } } });
  const tune = tuningRuns(c);
  // bamsprod: 3 default learning rates x 2 tuning seeds; bop: a single grid point needs no tuning.
  assert.equal(tune.length, 6);
  assert.deepEqual([...new Set(tune.map((r) => r.seed))], [1001, 1002]);
  assert.ok(tune.every((r) => r.optimizer === "bamsprod" && r.epochs === 1));
  const final = finalRuns(c, (_m, o): Record<string, number> =>
    o === "bop" ? { gamma: 1e-4 } : { lr: 1e-3 },
  );
  assert.deepEqual(
    final.map((r) => [r.optimizer, r.seed, r.epochs]),
    [
      ["bamsprod", 1, 3],
      ["bamsprod", 2, 3],
      ["bop", 1, 3],
      ["bop", 2, 3],
    ],
  );
  const dirs = [...tune, ...final].map((r) => r.dir);
  assert.equal(new Set(dirs).size, dirs.length);
});

test("train arguments follow the CLI contract", () => {
  const [spec] = finalRuns(config({ valSize: 1000, batchSize: 64 }), () => ({
    lr: 0.003,
    weightDecay: 1e-4,
  }));
  assert.deepEqual(trainArgs(spec, "/o/run", trainFlags), [
    "train",
    "--model",
    "bmlp",
    "--optimizer",
    "bamsprod",
    "--lr",
    "0.003",
    "--weight-decay",
    "0.0001",
    "--epochs",
    "3",
    "--seed",
    "1",
    "--out",
    "/o/run",
    "--json",
    "--train-size",
    "500",
    "--val-size",
    "1000",
    "--batch-size",
    "64",
  ]);
  // --eval-every and --eval-size reach the final runs only: tuning looks at the last epoch.
  const c = config({ evalEvery: 43, evalSize: 2000 });
  const [final] = finalRuns(c, () => ({ lr: 0.003 }));
  assert.deepEqual(trainArgs(final, "/o", trainFlags).slice(-4), [
    "--eval-every",
    "43",
    "--eval-size",
    "2000",
  ]);
  assert.ok(tuningRuns(c).every((s) => !trainArgs(s, "/o", trainFlags).includes("--eval-every")));
});

test("config validation names the problem", () => {
  assert.throws(() => validateCompareConfig(config({ models: [] })), /--models is empty/);
  assert.throws(() => validateCompareConfig(config({ optimizers: ["adam", "adam"] })), /lists "adam" twice/);
  assert.throws(() => validateCompareConfig(config({ grids: { sgd: { lr: [1] } } })), /not in --optimizers/);
  assert.throws(() => validateCompareConfig(config({ valSize: 0 })), /--val-size is 0/);
  assert.throws(() => validateCompareConfig(config({ targetAccuracy: 1.5 })), /--target-accuracy/);
  assert.throws(() => validateCompareConfig(config({ evalSize: 100 })), /give --eval-every too/);
  assert.throws(
    () => validateCompareConfig(config({ gridExtensions: -1 })),
    /--grid-extensions must be an integer >= 0, got -1/,
  );
});

test("--width reaches the runs of the models that take one, and only those", () => {
  const c = config({ models: ["bmlp", "birealnet"], width: 16 });
  validateCompareConfig(c);
  const runs = [...tuningRuns(c), ...finalRuns(c, () => ({ lr: 0.003 }))];
  for (const run of runs) {
    const args = trainArgs(run, "/o", trainFlags);
    const at = args.indexOf("--width");
    if (run.model === "birealnet") assert.deepEqual(args.slice(at, at + 2), ["--width", "16"]);
    else assert.equal(at, -1, `${run.model}: ${args.join(" ")}`);
  }
  assert.ok(runs.some((r) => r.model === "birealnet") && runs.some((r) => r.model === "bmlp"));
  assert.throws(
    () => validateCompareConfig(config({ models: ["bmlp", "bcnn"], width: 16 })),
    /--width applies to birealnet and reactnet, and --models \(bmlp,bcnn\) has neither/,
  );
});
