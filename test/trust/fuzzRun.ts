/**
 * Runs the fuzz child (fuzzChild.ts) with a capped heap and checks its outcomes: every case a
 * success with finite results or a one-line BamsprodError, every target refusing some mutations,
 * peak resident memory under 1 GiB. Used by the small dose in the suite and the large one in
 * test/slow.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const child = join(dirname(fileURLToPath(import.meta.url)), "fuzzChild.js");
const TARGETS = [
  "checkpoint",
  "optimizer state",
  "model file",
  ".bnn",
  ".bnn payload",
  "IDX images",
  "IDX labels",
];
const HEAP_MB = 256;
const RSS_LIMIT = 1024 ** 3;

export function fuzz(seed: number, iterations: number): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-fuzz-"));
  try {
    const r = spawnSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, child, String(seed), String(iterations), dir],
      {
        encoding: "utf8",
        timeout: 600_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { counts: Record<string, number>; bad: string[]; peakRss: number };
    assert.deepEqual(result.bad, []);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    assert.equal(total, TARGETS.length * iterations);
    for (const name of TARGETS) {
      assert.ok(
        (result.counts[`${name}: refused`] ?? 0) > 0,
        `some ${name} mutations are refused: ${JSON.stringify(result.counts)}`,
      );
    }
    assert.ok(result.peakRss < RSS_LIMIT, `peak RSS ${result.peakRss}`);
    return result.counts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
