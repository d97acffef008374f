/** The queue's pure parts: the --queue URL, job ids, and the progress line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQueueUrl, redact } from "../../src/experiments/compare/queueUrl.js";
import { jobId } from "../../src/experiments/compare/queueJob.js";
import { progressLine } from "../../src/experiments/compare/queueProgress.js";
import type { RunSpec } from "../../src/experiments/compare/plan.js";
import type { DataFingerprint } from "../../src/data/index.js";
import { BamsprodError } from "../../src/util/errors.js";

test("--queue URLs: host, port, database and TLS are read; the password never shows", () => {
  const u = parseQueueUrl("rediss://:s3cret@queue.example:6380/2");
  assert.deepEqual(
    { tls: u.tls, host: u.host, port: u.port, db: u.db, display: u.display },
    { tls: true, host: "queue.example", port: 6380, db: 2, display: "rediss://:***@queue.example:6380/2" },
  );
  assert.deepEqual(
    { port: parseQueueUrl("redis://127.0.0.1").port, db: parseQueueUrl("redis://127.0.0.1").db },
    { port: 6379, db: 0 },
  );
  assert.equal(redact("redis://user:pw@h:1/0"), "redis://user:***@h:1/0");
  for (const [bad, message] of [
    ["http://:pw@h:1", /scheme must be redis:\/\/ or rediss:\/\/.*"http"/],
    ["redis://:pw@h:1/x", /database number/],
    ["not a url", /is not a URL/],
  ] as const) {
    assert.throws(
      () => parseQueueUrl(bad),
      (e: Error) => e instanceof BamsprodError && message.test(e.message) && !e.message.includes("pw"),
    );
  }
});

const spec: RunSpec = {
  phase: "final",
  model: "bmlp",
  optimizer: "adam",
  options: { lr: 0.001, beta1: 0.9 },
  seed: 1,
  epochs: 2,
  trainSize: 0,
  dir: "runs/final/bmlp/adam/seed-1",
};
const data: DataFingerprint = {
  shape: [1, 28, 28],
  classes: 10,
  trainCount: 60000,
  testCount: 10000,
  hash: "ab",
};

test("job ids: the same run gets the same id wherever it comes from; anything that changes its numbers changes it", () => {
  const id = jobId(spec, data);
  assert.match(id, /^run-[0-9a-f]{32}$/);
  // Phase, directory, option order and the data's path do not change what is trained.
  assert.equal(jobId({ ...spec, phase: "tune", dir: "elsewhere", dataDir: "/mnt/data" }, data), id);
  assert.equal(jobId({ ...spec, options: { beta1: 0.9, lr: 0.001 } }, data), id);
  const changed: RunSpec[] = [
    { ...spec, model: "bcnn" },
    { ...spec, optimizer: "amsgrad" },
    { ...spec, options: { lr: 0.002, beta1: 0.9 } },
    { ...spec, seed: 2 },
    { ...spec, epochs: 3 },
    { ...spec, trainSize: 100 },
    { ...spec, valSize: 100 },
    { ...spec, batchSize: 64 },
  ];
  const ids = new Set([id, ...changed.map((s) => jobId(s, data)), jobId(spec, { ...data, hash: "cd" })]);
  assert.equal(ids.size, changed.length + 2);
});

test("the progress line counts runs and says what each worker does", () => {
  const line = progressLine(
    [
      { dir: "runs/a", state: "active", progress: { worker: "h2:7", epoch: 1, epochs: 3, resumedFrom: 0 } },
      { dir: "runs/b", state: "waiting", progress: null },
      { dir: "runs/c", state: "delayed", progress: null },
    ],
    ["h1:5", "h1:5", "h2:7"],
  );
  assert.equal(
    line,
    "queue: 3 done, 1 running, 2 waiting | h1:5: 2 done | h2:7: 1 done, training runs/a epoch 1/3",
  );
});
