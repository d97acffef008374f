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

test("an unknown command is a one-line error with a non-zero exit", () => {
  const r = runCli(["trian"]);
  assert.ok(isCleanError(r), `status ${r.status}, stderr:\n${r.stderr}`);
  assert.match(r.stderr, /unknown command 'trian'/);
});
