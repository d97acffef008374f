import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { backend } from "./helpers.js";

// Every other tfjs test file again, on the WebAssembly backend (the fast one in Node without
// tfjs-node, and in browsers without WebGL): the optimizers and layers use only ops it has.
test(
  "the tfjs adapter's tests pass on the wasm backend too (rerun with BAMSPROD_TFJS_BACKEND=wasm)",
  { skip: backend !== "cpu" ? "this is the wasm run" : false },
  () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const files = readdirSync(here)
      .filter((f) => f.endsWith(".test.js") && f !== "wasm.test.js")
      .map((f) => join(here, f));
    assert.ok(files.length >= 5, `found ${files.length} tfjs test files`);
    const child = spawnSync(process.execPath, ["--test", ...files], {
      // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of stdout.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, BAMSPROD_TFJS_BACKEND: "wasm" },
      encoding: "utf8",
    });
    assert.equal(child.status, 0, `wasm run failed:\n${child.stdout.slice(-4000)}`);
    assert.match(child.stdout, /# fail 0/);
    assert.match(child.stdout, /# pass [1-9]\d+/);
  },
);
