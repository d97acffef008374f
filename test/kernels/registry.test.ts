import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  getBackend,
  getKernels,
  kernelMethods,
  portableBackend,
  portableKernels,
  setBackend,
  setKernels,
  type Kernels,
} from "../../src/kernels/index.js";
import { loadAddon } from "../../src/kernels/native/addon.js";
import { Tensor, dense } from "../../src/tensor/index.js";

/** What a fresh process, importing `module` and nothing else, reports as its backend. */
function defaultBackendOf(module: string): string {
  // This file may run with another backend installed by a preload (the suite runs once per
  // backend), so the default is checked where nothing ran before the import.
  const path = fileURLToPath(new URL(module, import.meta.url));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.BAMSPROD_KERNELS;
  const run = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { getBackend } from ${JSON.stringify(path)}; console.log(getBackend().name);`,
    ],
    { encoding: "utf8", env },
  );
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

test("the browser-safe kernel module alone defaults to the portable backend", () => {
  assert.equal(defaultBackendOf("../../src/kernels/index.js"), "portable");
});

test("the library entry defaults to the CLI's choice: native when the addon loads", () => {
  const expected = loadAddon().addon === null ? "portable" : "native";
  assert.equal(defaultBackendOf("../../src/index.js"), expected);
});

test("the portable kernels implement every method of the interface", () => {
  for (const method of kernelMethods) assert.equal(typeof portableKernels[method], "function", method);
});

test("setKernels (deprecated) switches what the ops call, and rejects incomplete implementations", () => {
  const before = getBackend();
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
    assert.equal(getKernels(), counting);
    assert.equal(getBackend().optimizer, null, "kernels alone bring no fused updates");
  } finally {
    setBackend(before);
  }
  const incomplete = { ...portableKernels, name: "broken" } as Partial<Kernels>;
  delete incomplete.avgPoolBackward;
  assert.throws(() => setKernels(incomplete as Kernels), /broken.*avgPoolBackward/);
  assert.equal(getBackend(), before, "a refused implementation leaves the active one in place");
  assert.throws(
    () => setBackend({ ...portableBackend, name: "broken", kernels: incomplete as Kernels }),
    /setBackend: "broken" lacks avgPoolBackward/,
  );
});
