import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadAddon } from "../../src/kernels/native/addon.js";
import { assertRerunPasses } from "../helpers/rerun.js";
import { nativeSkip } from "./backends.js";

// The addon's compiler-vectorized loops (native/vector_loops.h) run the AVX-512, AVX2 or
// baseline build, the best this CPU has unless BAMSPROD_LOOP_PATH forces a lower one. The
// conformance files that reach those loops, rerun on each lower build this CPU can run, so every
// build it can run is checked against the portable kernels.
// This file too: in the reruns its last test checks that the variable took effect.
const files = [
  "elementwise",
  "batchnorm",
  "channel",
  "conv",
  "binaryConv",
  "packed",
  "optimizer",
  "loopPath",
].map((name) => fileURLToPath(new URL(`./${name}.test.js`, import.meta.url)));
const forced = process.env.BAMSPROD_LOOP_PATH;
const best = nativeSkip === false ? loadAddon().addon!.info().loopPath : null;
const lower = best === "avx512" ? ["avx2", "baseline"] : best === "avx2" ? ["baseline"] : [];

for (const path of ["avx2", "baseline"]) {
  const skip =
    nativeSkip ||
    (forced !== undefined && `this is the ${forced} run`) ||
    (process.env.BAMSPROD_KERNELS === "portable" && "the native pass of the suite runs it") ||
    (!lower.includes(path) && `this CPU's best build is ${best}`);
  test(
    `the ${path} loops pass the conformance files too (rerun with BAMSPROD_LOOP_PATH=${path})`,
    { skip },
    () => assertRerunPasses(files, { BAMSPROD_LOOP_PATH: path }),
  );
}

// The best build by the CPU flags Linux reports (/proc/cpuinfo), or null elsewhere.
function bestByFlags(): string | null {
  if (!existsSync("/proc/cpuinfo")) return null;
  const flags = new Set(
    /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1].trim().split(/\s+/),
  );
  return flags.has("avx512f") ? "avx512" : flags.has("avx2") ? "avx2" : "baseline";
}

test(
  "BAMSPROD_LOOP_PATH forces the build it names; unset, the best the CPU flags allow runs",
  { skip: nativeSkip },
  () => {
    const path = loadAddon().addon!.info().loopPath;
    const flagsBest = bestByFlags();
    if (forced === "baseline") assert.equal(path, "baseline");
    else if (forced === "avx2") assert.equal(path, flagsBest === "baseline" ? "baseline" : "avx2");
    else if (flagsBest !== null) assert.equal(path, flagsBest);
    else assert.ok(["avx512", "avx2", "baseline"].includes(path), path);
  },
);
