import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isCleanError, runCli } from "./helpers.js";

test("bamsprod --version prints package.json's version and exits 0", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  for (const flag of ["--version", "-V"]) {
    const r = runCli([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  }
});

test("bamsprod info prints the kernels and, on the native ones, every code path they chose", () => {
  const r = runCli(["info"], { BAMSPROD_LOOP_PATH: "baseline", BAMSPROD_CONV_PATH: "im2col" });
  assert.equal(r.status, 0, r.stderr);
  const json = runCli(["info", "--json"], { BAMSPROD_LOOP_PATH: "baseline", BAMSPROD_CONV_PATH: "im2col" });
  const info = JSON.parse(json.stdout) as {
    kernels: string;
    binaryPath: string | null;
    optimPath: string | null;
  };
  assert.match(r.stdout, new RegExp(`^kernels: ${info.kernels}$`, "m"));
  if (info.binaryPath === null) {
    assert.doesNotMatch(r.stdout, /path|loops|passes/);
    return;
  }
  assert.match(r.stdout, new RegExp(`^XNOR/popcount path: ${info.binaryPath}$`, "m"));
  assert.match(r.stdout, new RegExp(`^fused optimizer loops: ${info.optimPath}$`, "m"));
  assert.match(r.stdout, /^vectorized loops: baseline$/m);
  assert.match(r.stdout, /^convolution backward passes: im2col$/m);
});

test("an unknown command is a one-line error with a non-zero exit", () => {
  const r = runCli(["trian"]);
  assert.ok(isCleanError(r), `status ${r.status}, stderr:\n${r.stderr}`);
  assert.match(r.stderr, /unknown command 'trian'/);
});

test("a batch size beyond the limit is refused while parsing, before any data is read", () => {
  for (const command of ["train", "compare"]) {
    // The data path does not exist: an error about it would mean the data was read first.
    const r = runCli([
      command,
      "--batch-size",
      "70000",
      "--data",
      "/nonexistent/data",
      "--out",
      "/nonexistent/out",
    ]);
    assert.ok(isCleanError(r), `${command}: status ${r.status}, stderr:\n${r.stderr}`);
    assert.match(
      r.stderr,
      /--batch-size.*the batch size is 70,000, beyond the limit of 65,536 \(see docs\/limits.md\)/,
    );
  }
  assert.match(
    runCli(["train", "--batch-size", "65536", "--data", "/nonexistent/data"]).stderr,
    /nonexistent/,
  );
});
