/**
 * docs/sweeps.md's commands are accepted as written: each `npx bamsprod` line with a --queue
 * parses and gets as far as connecting (to a port where nothing listens, instead of the docs'
 * queue-host), and the local one is the same command without --queue.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, isCleanError } from "../cli/helpers.js";

const root = resolve(import.meta.dirname, "..", "..", "..");
const doc = readFileSync(join(root, "docs", "sweeps.md"), "utf8");
const commands = [...doc.matchAll(/^\s*npx bamsprod (.+)$/gm)].map((m) => m[1]);

/** Splits a documented command line into arguments (double quotes group, as in sh). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

test("every queued command in docs/sweeps.md parses and tries to reach its queue", () => {
  const queued = commands.filter((c) => c.includes("--queue"));
  assert.equal(queued.length, 2, commands.join("\n"));
  for (const line of queued) {
    const args = words(line).map((w) =>
      w.startsWith("redis://:$BAMSPROD_QUEUE_PASSWORD@queue-host:6379/0")
        ? "redis://:secret@127.0.0.1:1/0"
        : w,
    );
    const r = runCli([...args, "--data-dir", join(root, "data", "fashion-mnist-subset")]);
    assert.ok(isCleanError(r), r.stderr);
    assert.match(r.stderr, /cannot reach the queue at "redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0"/);
    assert.doesNotMatch(r.stderr, /secret/);
  }
  const local = commands.find((c) => c.startsWith("compare") && !c.includes("--queue"));
  const queuedCompare = queued.find((c) => c.startsWith("compare"));
  assert.equal(queuedCompare?.replace(/ --queue .*$/, ""), local);
});
