import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LIMITS } from "../../src/util/limits.js";

test("docs/limits.md lists every limit with the value the code enforces", () => {
  const doc = readFileSync(join(resolve(import.meta.dirname, "..", "..", ".."), "docs", "limits.md"), "utf8");
  for (const [name, value] of Object.entries(LIMITS)) {
    const row = new RegExp("\\| `" + name + "` \\| ([0-9,]+) \\|").exec(doc);
    assert.ok(row !== null, `docs/limits.md has a row for ${name}`);
    assert.equal(Number(row[1].replace(/,/g, "")), value, name);
  }
});
