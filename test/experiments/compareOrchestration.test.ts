import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  runCompare,
  mean,
  sampleStd,
  defaultTarget,
  type CompareConfig,
} from "../../src/experiments/index.js";
import { BamsprodError } from "../../src/util/errors.js";
import { fakeCompareConfig, fakeRunner, fakeMetrics, fakeFinalTest } from "./fakeRunner.js";
import { parseXml } from "../report/xmlCheck.js";

function setup(over: Partial<CompareConfig> = {}): { config: CompareConfig; cleanup: () => void } {
  const out = mkdtempSync(join(tmpdir(), "bamsprod-compare-"));
  const config = fakeCompareConfig(out, over);
  return { config, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

const finalRuns = (optimizer: string, options: Record<string, number>) =>
  [1, 2, 3].map((seed) => ({
    phase: "final" as const,
    model: "bmlp",
    optimizer,
    options,
    seed,
    epochs: 4,
    trainSize: 100,
    dir: "",
  }));
const finalTests = (optimizer: string, options: Record<string, number>): number[] =>
  finalRuns(optimizer, options).map(fakeFinalTest);
const finalVals = (optimizer: string, options: Record<string, number>): number[] =>
  finalRuns(optimizer, options).map((spec) => fakeMetrics(spec).at(-1)!.val_accuracy!);

test("compare tunes on validation only, runs finals over seeds in parallel, and aggregates (fake runner)", async () => {
  const { config, cleanup } = setup();
  try {
    const fake = fakeRunner({ delayMs: 5 });
    const { results } = await runCompare(config, fake.run, "bamsprod compare (test)");
    // 2 models x 3 optimizers x 3 grid points tuning runs, one more per model where bop's best
    // gamma sat at the grid's edge, then 2 x 3 x 3 seeds final runs.
    assert.equal(fake.calls.filter((s) => s.phase === "tune").length, 20);
    assert.equal(fake.calls.filter((s) => s.phase === "final").length, 18);
    assert.equal(fake.maxConcurrent, 2);

    // The double's validation accuracy peaks at lr 1e-3 (bop: gamma 1e-4), its test accuracy at 3e-3.
    const choice = (o: string) => results.tuning.find((t) => t.model === "bmlp" && t.optimizer === o)!;
    assert.deepEqual(choice("bamsprod").chosen, { lr: 1e-3 });
    assert.deepEqual(choice("adam").grid, { lr: [3e-4, 1e-3, 3e-3] });
    // bop's best gamma, 1e-4, was the grid's smallest: the grid grew to 1e-4 / 3, which is worse.
    assert.deepEqual(choice("bop").chosen, { gamma: 1e-4 });
    assert.deepEqual(choice("bop").grid, { gamma: [0.0000333333333333, 1e-4, 1e-3, 1e-2] });
    assert.deepEqual(choice("bop").atEdge, []);
    assert.deepEqual(choice("bop").extensions, ["gamma: 0.0001 -> 0.0000333333333333"]);
    assert.equal(choice("adam").candidates.length, 3);

    const finals = fake.calls.filter((s) => s.phase === "final");
    assert.equal(new Set(finals.map((s) => s.dir)).size, 18);
    assert.deepEqual([...new Set(finals.map((s) => s.seed))], [1, 2, 3]);
    assert.ok(finals.every((s) => s.epochs === 4));

    const group = results.groups.find((g) => g.model === "bmlp" && g.optimizer === "bamsprod")!;
    const values = finalTests("bamsprod", { lr: 1e-3 });
    assert.deepEqual(group.testAccuracy.values, values);
    assert.equal(group.testAccuracy.mean, mean(values));
    assert.equal(group.testAccuracy.std, sampleStd(values));

    const adamValues = finalTests("adam", { lr: 1e-3 });
    const vals = [
      finalVals("bamsprod", { lr: 1e-3 }),
      finalVals("adam", { lr: 1e-3 }),
      finalVals("bop", { gamma: 1e-4 }),
    ];
    // The target is timed on validation accuracy: the test set is evaluated once, at the end.
    const target = defaultTarget(vals.map(mean));
    assert.equal(results.targets.find((t) => t.model === "bmlp")!.target, target);
    const seed1 = fakeMetrics({ ...finals[0], options: { lr: 1e-3 } });
    const firstHit = seed1.find((m) => m.val_accuracy! >= target)!.epoch;
    assert.equal(group.toTarget.epochs[0], firstHit);

    const gap = results.gaps.find((g) => g.model === "bmlp" && g.baseline === "adam")!;
    assert.equal(gap.reference, "bamsprod");
    assert.ok(Math.abs(gap.accuracy.difference - (mean(values) - mean(adamValues))) < 1e-12);
    assert.ok(gap.accuracy.lower < gap.accuracy.difference && gap.accuracy.difference < gap.accuracy.upper);
    assert.ok(gap.epochSpeedup > 1, "the double's bamsprod curve rises faster");
  } finally {
    cleanup();
  }
});

test("compare writes results.json, CSVs, well-formed plots and reports with the tables", async () => {
  const { config, cleanup } = setup();
  try {
    const { files } = await runCompare(config, fakeRunner().run, "bamsprod compare --seeds 3");
    const out = config.out;
    assert.ok(files.every((f) => existsSync(f)));
    const saved = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    assert.equal(saved.format, "bamsprod-compare");
    assert.equal(saved.tuning.length, 6);
    assert.equal(readFileSync(join(out, "results.csv"), "utf8").trim().split("\n").length, 1 + 18);
    assert.equal(readFileSync(join(out, "epochs.csv"), "utf8").trim().split("\n").length, 1 + 18 * 4);
    const plots = readdirSync(join(out, "plots"));
    assert.deepEqual(plots.sort(), [
      "bcnn-flip-ratio.svg",
      "bcnn-train-loss.svg",
      "bcnn-val-accuracy.svg",
      "bmlp-flip-ratio.svg",
      "bmlp-train-loss.svg",
      "bmlp-val-accuracy.svg",
    ]);
    for (const p of plots)
      assert.deepEqual(parseXml(readFileSync(join(out, "plots", p), "utf8")).errors, [], p);
    const md = readFileSync(join(out, "report.md"), "utf8");
    assert.match(md, /## Final test accuracy/);
    assert.match(md, /\| bmlp \| bamsprod \| lr=0\.001 \| \d+\.\d\d ± \d+\.\d\d \|/);
    assert.match(md, /## Time to target accuracy/);
    assert.match(md, /\| bmlp \| adam \| [+-]\d+\.\d\d \| \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] \|/);
    assert.match(md, /bmlp: bamsprod (beats|loses to|is not distinguishable from) adam/);
    assert.match(md, /!\[[^\]]*\]\(plots\/bmlp-val-accuracy\.svg\)/);
    assert.match(md, /Grid extended: bmlp\/bop: gamma: 0\.0001 -> 0\.0000333333333333\./);
    assert.match(md, /\| bmlp \| bop \| gamma=0\.0000333333333333 \| \d+\.\d\d \| {2}\|/);
    assert.match(md, /Tuning: 2 epochs, 1 seed per grid point, chosen by validation accuracy only\./);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.equal(html.match(/<table>/g)?.length, 4);
    assert.equal(html.match(/<svg /g)?.length, 6);
  } finally {
    cleanup();
  }
});

test("with single-point grids nothing is tuned, and the report says so", async () => {
  const grids = { bamsprod: { lr: [3e-3] }, adam: { lr: [3e-3] }, bop: { gamma: [1e-4] } };
  const { config, cleanup } = setup({ models: ["bmlp"], seeds: 2, grids });
  try {
    const runner = fakeRunner();
    const { results } = await runCompare(config, runner.run, "bamsprod compare");
    assert.equal(results.tuningRuns.length, 0);
    const md = readFileSync(join(config.out, "report.md"), "utf8");
    assert.match(md, /Tuning: none \(every optimizer's grid has a single point, used as given\)\./);
    assert.match(md, /\| bmlp \| bop \| gamma=0\.0001 \| not tuned \(single grid point\) \| yes \|/);
  } finally {
    cleanup();
  }
});

test("grids grow past an edge at most --grid-extensions rounds, and the report says where they still end", async () => {
  // The double's validation accuracy peaks at lr 1e-3: a grid far below it keeps growing upwards.
  const grids = { bamsprod: { lr: [3e-3] }, adam: { lr: [1e-6, 3e-6] }, bop: { gamma: [1e-4] } };
  const { config, cleanup } = setup({ models: ["bmlp"], seeds: 2, grids, gridExtensions: 2 });
  try {
    const runner = fakeRunner();
    const { results } = await runCompare(config, runner.run, "bamsprod compare");
    const adam = results.tuning.find((t) => t.optimizer === "adam")!;
    assert.deepEqual(adam.grid, { lr: [1e-6, 3e-6, 9e-6, 0.000027] });
    assert.deepEqual(adam.extensions, ["lr: 0.000003 -> 0.000009", "lr: 0.000009 -> 0.000027"]);
    assert.deepEqual(adam.atEdge, ["lr"]);
    assert.equal(results.tuningRuns.length, 4, "each round trains only the new grid point");
    const md = readFileSync(join(config.out, "report.md"), "utf8");
    assert.match(
      md,
      /\| bmlp \| adam \| lr=0\.000027 \| \d+\.\d\d \| yes \(edge of grid: lr, after extending it\) \|/,
    );
  } finally {
    cleanup();
  }
});

test("a second run reuses finished runs; a missing summary re-runs just that run", async () => {
  const { config, cleanup } = setup({ models: ["bmlp"], optimizers: ["bamsprod", "adam"], seeds: 2 });
  try {
    const first = await runCompare(config, fakeRunner().run, "c");
    const again = fakeRunner();
    const second = await runCompare(config, again.run, "c");
    assert.equal(again.calls.length, 0);
    assert.deepEqual(second.results.groups, first.results.groups);
    rmSync(join(config.out, "runs", "final", "bmlp", "adam", "seed-2", "summary.json"));
    const third = fakeRunner();
    await runCompare(config, third.run, "c");
    assert.deepEqual(
      third.calls.map((s) => s.dir),
      [join("runs", "final", "bmlp", "adam", "seed-2")],
    );
  } finally {
    cleanup();
  }
});

test("a run directory made with other settings is not silently reused", async () => {
  const { config, cleanup } = setup({
    models: ["bmlp"],
    optimizers: ["adam"],
    seeds: 1,
    grids: { adam: { lr: [1e-3] } },
  });
  try {
    await runCompare(config, fakeRunner().run, "c");
    await assert.rejects(
      runCompare({ ...config, epochs: 5 }, fakeRunner().run, "c"),
      (e: Error) => e instanceof BamsprodError && /spec\.json records different settings/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test("failed runs are reported together; the others finish and are kept", async () => {
  const { config, cleanup } = setup({
    models: ["bmlp"],
    optimizers: ["bamsprod", "adam"],
    seeds: 2,
    grids: { bamsprod: { lr: [1e-3] }, adam: { lr: [1e-3] } },
  });
  try {
    const fake = fakeRunner({ fail: (s) => s.optimizer === "adam" && s.seed === 1 });
    await assert.rejects(
      runCompare(config, fake.run, "c"),
      /1 of 4 runs failed .*adam\/seed-1: fake training failure/,
    );
    assert.equal(fake.calls.length, 4);
    assert.ok(existsSync(join(config.out, "runs", "final", "bmlp", "adam", "seed-2", "summary.json")));
    assert.ok(!existsSync(join(config.out, "runs", "final", "bmlp", "adam", "seed-1", "summary.json")));
  } finally {
    cleanup();
  }
});
