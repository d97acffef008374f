import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertRerunPasses } from "../helpers/rerun.js";
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
    assertRerunPasses(files, { BAMSPROD_TFJS_BACKEND: "wasm" });
  },
);
