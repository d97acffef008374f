import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  reddiProblem,
  leastSquaresProblem,
  runConvex,
  verdict,
  logSpacedSteps,
  runConvexExperiment,
  writeConvexOutputs,
  convexSummary,
  type ConvexRun,
} from "../../src/experiments/index.js";
import { parseXml } from "../report/xmlCheck.js";
import { Rng } from "../../src/util/random.js";

test("log-spaced recording steps start at 1, end at T and never repeat", () => {
  const steps = logSpacedSteps(5000, 50);
  assert.equal(steps[0], 1);
  assert.equal(steps[steps.length - 1], 5000);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1]);
  assert.deepEqual(logSpacedSteps(1), [1]);
});

test("sign flips are counted from the measured iterates (checked against a hand-written SGD loop)", () => {
  const problem = leastSquaresProblem({ dim: 6, seed: 4 });
  const run = runConvex(problem, "sgd", 400, 2);
  // SGD has no state, so replaying the same gradients by hand must give the same flips.
  const x = problem.initial();
  const grad = new Float32Array(6);
  const rng = new Rng(2);
  let flips = 0;
  for (let t = 1; t <= 400; t++) {
    const w = x.map((v) => (v < 0 ? -1 : 1));
    problem.evaluate(t, w, grad, rng);
    const before = x.map((v) => (v < 0 ? -1 : 1));
    for (let i = 0; i < 6; i++) x[i] = Math.min(1, Math.max(-1, x[i] - (0.1 / Math.sqrt(t)) * grad[i]));
    for (let i = 0; i < 6; i++) if ((x[i] < 0 ? -1 : 1) !== before[i]) flips++;
  }
  assert.equal(run.flips, flips);
  assert.ok(flips > 0, "the check needs some flips to be meaningful");
});

test("verdict thresholds the measured tail regret at 1% of the worst case", () => {
  const problem = reddiProblem({ binarized: false });
  const base: ConvexRun = {
    problem: problem.id,
    optimizer: "x",
    steps: 1000,
    options: {},
    trace: [],
    regret: 0,
    finalLatent: [-1],
    tailRegret: 0.0099 * problem.worstGap,
    tailSteps: 100,
    flips: 0,
  };
  assert.equal(verdict(problem, base).converges, true);
  assert.equal(verdict(problem, base).finalAtOptimum, true);
  const bad = verdict(problem, { ...base, tailRegret: 0.0101 * problem.worstGap, finalLatent: [0.9] });
  assert.equal(bad.converges, false);
  assert.equal(bad.finalAtOptimum, false);
  assert.match(bad.statement, /x has not converged on reddi within 1000 steps: .* 1\.01% of the worst case/);
});

test("measured on Reddi's problem: Adam drifts to +1 and does not converge, AMSGrad and BAMSProd do", () => {
  const problem = reddiProblem({ binarized: true });
  const verdicts = Object.fromEntries(
    ["adam", "amsgrad", "bamsprod", "sgd"].map((name) => [
      name,
      verdict(problem, runConvex(problem, name, 3000)),
    ]),
  );
  assert.equal(verdicts.adam.converges, false, verdicts.adam.statement);
  assert.ok(verdicts.adam.tailRatio > 0.9, verdicts.adam.statement);
  for (const name of ["amsgrad", "bamsprod", "sgd"])
    assert.equal(verdicts[name].converges, true, verdicts[name].statement);
});

test("the experiment writes JSON, well-formed SVG plots and a report; the summary drops traces", () => {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-convex-"));
  try {
    const results = runConvexExperiment({
      problems: ["reddi", "least-squares-binary"],
      optimizers: ["sgd", "bamsprod"],
      steps: 300,
      seed: 1,
    });
    const files = writeConvexOutputs(results, dir, "bamsprod convex --steps 300");
    assert.equal(files.length, 1 + 2 * 4 + 2);
    const saved = JSON.parse(readFileSync(join(dir, "convex.json"), "utf8"));
    assert.equal(saved.problems[1].runs[1].optimizer, "bamsprod");
    assert.ok(saved.problems[1].runs[1].trace.length > 10);
    const svgs = readdirSync(dir).filter((f) => f.endsWith(".svg"));
    assert.equal(svgs.length, 8);
    for (const f of svgs) assert.deepEqual(parseXml(readFileSync(join(dir, f), "utf8")).errors, [], f);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    assert.match(
      md,
      /\| reddi \| bamsprod \| [^|]+ \| [^|]+% \| (yes|no) \| \d+ \| (converges|has not converged) \|/,
    );
    assert.match(md, /!\[.*\]\(reddi-regret\.svg\)/);
    const summary = JSON.stringify(convexSummary(results));
    assert.ok(!summary.includes('"trace"'));
    assert.ok(summary.includes('"verdict"'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
