/**
 * The environment a run computed with (kernel set, CPU model and vector paths, BLAS core type,
 * threads): recorded in the checkpoint and the metrics.jsonl header; resuming on another CPU
 * kind continues with one line saying the bits may differ; a thread count alone says nothing.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cpus } from "node:os";
import { kernelEnvironment, type KernelEnvironment } from "../../src/kernels/environment.js";
import { train, METRICS_FILE } from "../../src/train/index.js";
import { checkpointPath } from "../../src/train/checkpoint.js";
import { resumeEnvironments } from "../../src/train/environments.js";
import { cpuKindStatement } from "../../src/experiments/compare/environments.js";
import type { RunSpec } from "../../src/experiments/compare/plan.js";
import { quickConfig } from "./helpers.js";

const here: KernelEnvironment = {
  kernels: "native",
  cpu: "AMD EPYC",
  vectorPath: "xnor avx2, optimizer avx2",
  blasCore: "Zen",
  threads: 1,
};
const intel: KernelEnvironment = {
  ...here,
  cpu: "Intel Xeon",
  vectorPath: "xnor avx512-vpopcntdq, optimizer avx512",
  blasCore: "SkylakeX",
};

test("the environment names the kernels, the CPU model, the code paths, the BLAS core and the threads", () => {
  const e = kernelEnvironment();
  assert.equal(e.cpu, cpus()[0].model.trim());
  assert.ok(Number.isInteger(e.threads) && e.threads >= 1);
  if (e.kernels === "native") {
    assert.match(
      e.vectorPath ?? "",
      /^xnor \S+, optimizer \S+, conv (winograd4x4-20|winograd2x2|winograd4x4-all|im2col)$/,
    );
    assert.ok(typeof e.blasCore === "string" && e.blasCore.length > 0);
  } else {
    assert.deepEqual([e.vectorPath, e.blasCore], [null, null]);
  }
});

test("resuming: another thread count is recorded silently; another CPU kind or kernel set, in one line", () => {
  const lines: string[] = [];
  const notice = (l: string): number => lines.push(l);
  assert.deepEqual(resumeEnvironments([here], here, notice), [here]);
  assert.deepEqual(resumeEnvironments([here], { ...here, threads: 2 }, notice), [
    here,
    { ...here, threads: 2 },
  ]);
  assert.deepEqual(resumeEnvironments([], here, notice), [here]);
  assert.deepEqual(lines, []);
  assert.deepEqual(resumeEnvironments([here], intel, notice), [here, intel]);
  const portable = { ...here, kernels: "portable", vectorPath: null, blasCore: null };
  resumeEnvironments([here], portable, notice);
  assert.equal(lines.length, 2);
  assert.equal(
    lines[0],
    "bamsprod: resuming on native kernels on Intel Xeon (xnor avx512-vpopcntdq, optimizer avx512; OpenBLAS SkylakeX), " +
      "not native kernels on AMD EPYC (xnor avx2, optimizer avx2; OpenBLAS Zen) as before: the bits may differ from an uninterrupted run",
  );
  assert.match(lines[1], /^bamsprod: resuming on portable kernels on AMD EPYC, not native kernels/);
});

test("a run resumed on another CPU kind continues, says so once, and records both", async () => {
  const config = quickConfig({ epochs: 1, trainSize: 96, valSize: 64 });
  let batches = 0;
  const first = await train(config, false, { shouldStop: () => ++batches === 1 });
  assert.equal(first.stopped, true);
  const path = checkpointPath(config.out);
  const doc = JSON.parse(readFileSync(path, "utf8")) as { environments: KernelEnvironment[] };
  assert.deepEqual(doc.environments, [kernelEnvironment()]);
  doc.environments = [{ ...doc.environments[0], cpu: "Another CPU", blasCore: "Other" }];
  writeFileSync(path, JSON.stringify(doc));
  const lines: string[] = [];
  const resumed = await train(config, true, { onNotice: (l) => void lines.push(l) });
  assert.equal(resumed.history.length, 1);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /, not .*Another CPU.* as before: the bits may differ from an uninterrupted run$/);
  assert.deepEqual(resumed.environments, [doc.environments[0], kernelEnvironment()]);
  const header = readFileSync(join(config.out, METRICS_FILE), "utf8").split("\n")[0];
  assert.deepEqual(JSON.parse(header), { header: { environments: resumed.environments } });
});

test("compare's report flags runs of one comparison made on different CPU kinds", () => {
  const run = (dir: string, environments: KernelEnvironment[]) => ({
    spec: { dir } as RunSpec,
    summary: {
      model: "bmlp",
      optimizer: "adam",
      epochs: 1,
      seconds: 1,
      test_accuracy: null,
      val_accuracy: null,
      train_loss: null,
      seed: 1,
      environments,
    },
  });
  assert.equal(
    cpuKindStatement([run("a", [here]), run("b", [{ ...here, threads: 2 }])]),
    "Computed on: native kernels on AMD EPYC (xnor avx2, optimizer avx2; OpenBLAS Zen), 1 or 2 thread(s) (never changes the bits).",
  );
  const mixed = cpuKindStatement([run("a", [here]), run("b", [intel]), run("c", [here, intel])]);
  assert.match(mixed, /^Warning: the runs of this comparison computed on 2 different CPU kinds/);
  assert.match(
    mixed,
    /AMD EPYC .*: 2 run\(s\) \(a, c\); native kernels on Intel Xeon .*: 2 run\(s\) \(b, c\)\.$/,
  );
});
