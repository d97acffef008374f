/**
 * End to end: `bamsprod compare` spawning real `bamsprod train` processes on a tiny subsample,
 * then the same command again, which must reuse every finished run. Slow (about a minute on
 * two cores: six short trainings, each evaluating the full test set).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliEntryPoint } from "../../src/experiments/index.js";
import type { CompareResults } from "../../src/experiments/index.js";

test("compare runs real training processes, records the tuning, and resumes without retraining", () => {
  const out = mkdtempSync(join(tmpdir(), "bamsprod-e2e-"));
  const args = [
    cliEntryPoint(),
    "compare",
    "--models",
    "bmlp",
    "--optimizers",
    "bamsprod,bop",
    "--seeds",
    "2",
    "--epochs",
    "1",
    "--tune-epochs",
    "1",
    "--train-size",
    "256",
    "--val-size",
    "256",
    "--batch-size",
    "64",
    "--grid",
    "bop:gamma=1e-4,1e-3",
    "--grid",
    "bamsprod:lr=1e-3",
    // Without it a grid whose best point is at an edge grows and is tuned again (issue 18);
    // this test checks the plain grid, test/experiments/gridExtend.test.ts the growth.
    "--grid-extensions",
    "0",
    "--jobs",
    "2",
    "--out",
    out,
  ];
  try {
    execFileSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as CompareResults;
    assert.equal(results.tuningRuns.length, 2);
    assert.equal(results.runs.length, 4);
    const bop = results.tuning.find((t) => t.optimizer === "bop")!;
    assert.deepEqual(bop.grid, { gamma: [1e-4, 1e-3] });
    const best = Math.max(...bop.candidates.map((c) => c.valAccuracy));
    assert.equal(bop.candidates.find((c) => c.valAccuracy === best)!.options.gamma, bop.chosen.gamma);
    for (const r of results.runs) {
      assert.equal(r.metrics.length, 1);
      assert.ok(
        r.summary.test_accuracy! > 0.1 && r.summary.test_accuracy! <= 1,
        `${r.spec.dir} learned something`,
      );
      assert.ok(existsSync(join(out, r.spec.dir, "summary.json")));
    }
    assert.match(readFileSync(join(out, "report.md"), "utf8"), /\| bmlp \| bop \| [+-]\d+\.\d\d \|/);

    const again = spawnSync(process.execPath, args, { encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /bmlp bamsprod: test accuracy/);
    assert.equal(again.stderr.match(/already done/g)?.length, 6, again.stderr);
    const rerun = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as CompareResults;
    assert.deepEqual(rerun.groups, results.groups, "the second run reused the finished runs");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
