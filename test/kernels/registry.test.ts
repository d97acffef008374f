import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  getKernels,
  kernelMethods,
  portableKernels,
  setKernels,
  type Kernels,
} from "../../src/kernels/index.js";
import { Tensor, dense } from "../../src/tensor/index.js";

test("portable kernels are active by default (in a fresh process, whatever this one installed)", () => {
  // This test file may run with other kernels installed by a preload (the suite runs once per
  // kernel set), so the default is checked where nothing ran before the import.
  const index = fileURLToPath(new URL("../../src/kernels/index.js", import.meta.url));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const run = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { getKernels } from ${JSON.stringify(index)}; console.log(getKernels().name);`,
    ],
    { encoding: "utf8", env },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), "portable");
});

test("the portable kernels implement every method of the interface", () => {
  for (const method of kernelMethods) assert.equal(typeof portableKernels[method], "function", method);
});

test("setKernels switches what the ops call, and rejects incomplete implementations", () => {
  const before = getKernels();
  let calls = 0;
  const counting: Kernels = {
    ...portableKernels,
    name: "counting",
    gemm: (...args) => {
      calls++;
      portableKernels.gemm(...args);
    },
  };
  setKernels(counting);
  try {
    const y = dense(Tensor.from([1, 2], [1, 2]), Tensor.from([3, 4], [1, 2]), null);
    assert.equal(y.data[0], 11);
    assert.equal(calls, 1);
  } finally {
    setKernels(before);
  }
  const incomplete = { ...portableKernels, name: "broken" } as Partial<Kernels>;
  delete incomplete.avgPoolBackward;
  assert.throws(() => setKernels(incomplete as Kernels), /broken.*avgPoolBackward/);
  assert.equal(getKernels(), before, "a refused implementation leaves the active one in place");
});
