// Issue 11: one record type per thing a run writes, shared by train, fit, compare and the docs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Dense, Flatten, Rescale, Sequential } from "../../src/nn/index.js";
import { fit, trainSummary } from "../../src/train/index.js";
import { halves } from "../train/helpers.js";

/** The field names of the table under `heading` in docs/records.md. */
function documented(heading: string): string[] {
  const doc = readFileSync(
    join(resolve(import.meta.dirname, "..", "..", ".."), "docs", "records.md"),
    "utf8",
  );
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  assert.ok(section !== undefined, `docs/records.md has a section "${heading}"`);
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

test("docs/records.md lists exactly the fields of a metrics.jsonl line, of an evals entry and of the --json summary", async () => {
  const model = new Sequential([new Rescale(), new Flatten(), new Dense({ units: 2 })], {
    inputShape: [1, 4, 4],
    classes: 2,
  });
  const result = await fit(
    model,
    { train: halves(32, 1), validation: halves(8, 2), test: halves(8, 3) },
    {
      optimizer: "adam",
      epochs: 1,
      batchSize: 16,
      evalEvery: 1,
    },
  );
  assert.deepEqual(Object.keys(result.history[0]), documented("One line of metrics.jsonl"));
  assert.deepEqual(Object.keys(result.history[0].evals?.[0] ?? {}), documented("One entry of `evals`"));
  const summary = trainSummary({
    config: { model: "m", optimizer: "adam", seed: 1 },
    history: result.history,
    test: result.test,
    data: "halves",
    stopped: false,
    stopReason: null,
    environments: result.environments,
  });
  assert.deepEqual(Object.keys(summary), documented("The `--json` summary"));
  assert.equal(summary.test_accuracy, result.test?.accuracy);
  assert.equal(summary.train_loss, result.history[0].train_loss);
});
