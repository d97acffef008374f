import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { optionTableMarkdown } from "../../src/optim/docsTable.js";
import { optimizerDefaults, optimizerNames } from "../../src/optim/index.js";

// Compiled to build/test/optim/, so the repository root is three levels up.
const docPath = fileURLToPath(new URL("../../../docs/optimizers.md", import.meta.url));

/** The option table (name -> default) of each "## `name`" section of docs/optimizers.md. */
function documentedDefaults(): Map<string, Record<string, number>> {
  const sections = new Map<string, Record<string, number>>();
  let current: Record<string, number> | null = null;
  for (const line of readFileSync(docPath, "utf8").split("\n")) {
    const heading = /^## `(\w+)`/.exec(line);
    if (heading !== null) {
      current = {};
      sections.set(heading[1], current);
    } else if (line.startsWith("## ")) {
      current = null;
    }
    const row = /^\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (row !== null && current !== null) current[row[1]] = Number(row[2]);
  }
  return sections;
}

test("docs/optimizers.md lists every optimizer's options with the defaults of the code", () => {
  const documented = documentedDefaults();
  assert.deepEqual([...documented.keys()], [...optimizerNames]);
  for (const name of optimizerNames) {
    assert.deepEqual(documented.get(name), { ...optimizerDefaults[name] }, `section ${name}`);
  }
});

test("each option table of docs/optimizers.md is the one generated from the code's option tables", () => {
  const lines = readFileSync(docPath, "utf8").split("\n");
  for (const name of optimizerNames) {
    const heading = lines.findIndex((line) => line.startsWith(`## \`${name}\``));
    const start = lines.findIndex((line, i) => i > heading && line.startsWith("| option |"));
    const expected = optionTableMarkdown(name);
    assert.deepEqual(
      lines.slice(start, start + expected.length),
      expected,
      `section ${name}: replace its table with\n${expected.join("\n")}`,
    );
  }
});
