/**
 * End to end with a real Redis: a tiny sweep through two workers gives the same results.json as
 * the local pool (apart from timings); running it again trains nothing; bad options fail once,
 * with their reason; a worker with other data refuses the job with the difference.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertTrainedOnce,
  comparable,
  finished,
  queueTestFile,
  startCli,
  stopWorker,
  tinyDataset,
  trainingStarts,
} from "./harness.js";

const { skip, withQueue } = queueTestFile("bamsprod-queue-out-");

function sweep(data: string, out: string, extra: string[] = []): string[] {
  return [
    "compare",
    "--models",
    "bmlp",
    "--optimizers",
    "bamsprod,adam",
    "--seeds",
    "2",
    "--epochs",
    "2",
    "--tune-epochs",
    "1",
    "--val-size",
    "100",
    "--batch-size",
    "100",
    "--grid",
    "bamsprod:lr=1e-3,1e-2",
    "--grid",
    "adam:lr=1e-3",
    "--data-dir",
    data,
    "--jobs",
    "2",
    "--out",
    out,
    ...extra,
  ];
}

test("a sweep through two workers equals the local one, and re-running it trains nothing", { skip }, () =>
  withQueue(async ({ redis, data, worker, scratch }) => {
    const workers = [worker(), worker()];
    const local = scratch();
    const queued = scratch();
    const localRun = startCli(sweep(data, local));
    const queuedRun = startCli(sweep(data, queued, ["--queue", redis.url]));
    await finished(localRun);
    await finished(queuedRun);
    assert.deepEqual(comparable(queued), comparable(local));
    const logs = workers.map((w) => w.stderr());
    // 2 tuning runs (more where bamsprod's grid grew past an edge) + 4 final runs, each trained
    // once, and both workers took some.
    const results = JSON.parse(readFileSync(join(local, "results.json"), "utf8")) as {
      tuningRuns: unknown[];
      runs: unknown[];
    };
    const runs = results.tuningRuns.length + results.runs.length;
    assert.ok(runs >= 6, `${runs} runs`);
    assertTrainedOnce(logs.join(""), runs);
    for (const log of logs) assert.ok(trainingStarts(log).size > 0, `each worker trained: ${log}`);
    assert.match(queuedRun.stderr(), /queue: \d+ done, \d+ running, \d+ waiting \| /);
    assert.match(readFileSync(join(queued, "runs/final/bmlp/adam/seed-1/train.log"), "utf8"), /by \S+:\d+/);

    // The same sweep again, into a new directory: every run comes from the finished jobs.
    const again = scratch();
    const rerun = startCli(sweep(data, again, ["--queue", redis.url]));
    await finished(rerun);
    assert.deepEqual(comparable(again), comparable(local));
    assertTrainedOnce(workers.map((w) => w.stderr()).join(""), runs);
  }),
);

test("bad options fail once with their reason; other data is refused with the difference", { skip }, () =>
  withQueue(async ({ redis, data, worker: start, scratch, track }) => {
    const otherData = tinyDataset(20);
    track(otherData);
    let worker = start();
    const args = sweep(data, scratch(), ["--queue", redis.url]);
    args[args.indexOf("bamsprod:lr=1e-3,1e-2")] = "bamsprod:beta1=2";
    const bad = startCli(args);
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.stderr(), /beta1.*(is invalid|must be).*2/);
    assert.doesNotMatch(bad.stderr(), /\n\s+at /);
    const starts = trainingStarts(worker.stderr());
    assert.equal(starts.get("runs/final/bmlp/bamsprod/seed-1"), 1, worker.stderr());
    await stopWorker(worker);

    worker = start(["--data-dir", otherData]);
    const refused = startCli(sweep(data, scratch(), ["--queue", redis.url]));
    assert.notEqual(await refused.exited, 0);
    assert.match(refused.stderr(), /has other data than the coordinator \(600 vs 620 training images\)/);
    assert.equal(trainingStarts(worker.stderr()).size, 0);
  }),
);
