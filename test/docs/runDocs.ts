import { test } from "node:test";
import assert from "node:assert/strict";
import { blocks, compileTs, documents, prepare, runBlock, workspace } from "./docBlocks.js";

/**
 * One test per document: its blocks run in order in one workspace. The fast suite runs the
 * unmarked blocks; the slow suite runs the documents that have a `slow` block, all their
 * runnable blocks included.
 */
export function testDocuments(slow: boolean, skip: string | false = false): void {
  if (skip !== false) {
    test("code blocks of README.md and docs/*.md", { skip }, () => {});
    return;
  }
  const docs = documents()
    .map((doc) => ({ doc, all: blocks(doc) }))
    .filter(({ all }) => (slow ? all.some((b) => b.mode === "slow") : all.some((b) => b.mode === "run")))
    .map(({ doc, all }) => ({
      doc,
      all: all.filter((b) => b.mode === "run" || b.mode === "file" || (slow && b.mode === "slow")),
      ...workspace(doc),
    }));
  const errors = compileTs(
    docs.flatMap(({ all, dir }) => all.filter((b) => b.mode !== "file").map((block) => ({ block, dir }))),
  );
  test(`the TypeScript blocks compile`, () => assert.deepEqual(errors, []));
  for (const { doc, all, dir, env } of docs) {
    test(`${doc}: every ${slow ? "" : "unmarked "}code block runs as written`, () => {
      assert.deepEqual(
        errors.filter((e) => e.startsWith(`${doc}:`)),
        [],
        `TypeScript blocks of ${doc}`,
      );
      for (const block of all) {
        prepare(block, dir);
        if (block.mode !== "file") assert.equal(runBlock(block, dir, env), null);
      }
    });
  }
}
