/**
 * Fault tolerance of queued sweeps, each with a real Redis and real worker processes, each
 * compared with the same sweep on the local pool (results.json equal apart from timings):
 * a worker killed with SIGKILL mid-run, the coordinator killed and started again, and Redis
 * restarted mid-sweep. About a minute each on two cores.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  comparable,
  redisMissing,
  scratchDirs,
  startCli,
  startRedis,
  startWorker,
  stopWorker,
  tinyDataset,
  trainingStarts,
  type CliProcess,
} from "../queue/harness.js";

const skip = redisMissing() ?? false;
const dirs = scratchDirs("bamsprod-faults-");
const scratch = dirs.fresh;
/** A killed worker's jobs are taken over after this many seconds (short, so the test is). */
const TAKEOVER_SECONDS = 10;

/** A sweep without tuning (single grid points): `optimizers` x `seeds` runs of `epochs` epochs. */
function sweep(data: string, out: string, optimizers: string, seeds: number, epochs: number): string[] {
  const grids = optimizers.split(",").flatMap((o) => ["--grid", `${o}:lr=1e-3`]);
  return [
    "compare",
    ...["--models", "bmlp", "--optimizers", optimizers, "--seeds", String(seeds), "--epochs", String(epochs)],
    ...["--val-size", "100", "--batch-size", "25", ...grids, "--data-dir", data, "--jobs", "2", "--out", out],
  ];
}

async function finished(p: CliProcess): Promise<void> {
  assert.equal(await p.exited, 0, p.stderr());
}

async function reference(args: string[]): Promise<unknown> {
  const out = args[args.indexOf("--out") + 1];
  await finished(startCli(args));
  return comparable(out);
}

test(
  "a worker killed with SIGKILL mid-run: another worker resumes from its checkpoint, same numbers",
  { skip },
  async () => {
    const redis = await startRedis();
    const data = tinyDataset();
    dirs.track(data);
    const expected = await reference(sweep(data, scratch(), "bamsprod", 1, 6));
    const first = startWorker(redis.url, [], TAKEOVER_SECONDS);
    let second: CliProcess | null = null;
    try {
      const out = scratch();
      const coordinator = startCli([...sweep(data, out, "bamsprod", 1, 6), "--queue", redis.url]);
      await first.waitFor(/epoch 2\/6/);
      first.child.kill("SIGKILL");
      second = startWorker(redis.url, [], TAKEOVER_SECONDS);
      await finished(coordinator);
      assert.deepEqual(comparable(out), expected);
      assert.match(
        second.stderr(),
        /training runs\/final\/bmlp\/bamsprod\/seed-1 \(job \S+, attempt 2\), resuming from epoch [2-5]/,
      );
      assert.match(
        readFileSync(join(out, "runs/final/bmlp/bamsprod/seed-1/train.log"), "utf8"),
        /resumed from epoch [2-5]/,
      );
    } finally {
      await Promise.all([first, second].filter((w): w is CliProcess => w !== null).map(stopWorker));
      await redis.stop();
    }
  },
);

test(
  "the coordinator killed and started again reattaches to the sweep; no run is trained twice",
  { skip },
  async () => {
    const redis = await startRedis();
    const data = tinyDataset();
    dirs.track(data);
    const expected = await reference(sweep(data, scratch(), "bamsprod,adam", 2, 3));
    const worker = startWorker(redis.url, [], TAKEOVER_SECONDS);
    try {
      const out = scratch();
      const args = [...sweep(data, out, "bamsprod,adam", 2, 3), "--queue", redis.url];
      const first = startCli(args);
      await first.waitFor(/\[1\/4\] done/);
      first.child.kill("SIGKILL");
      await first.exited;
      const again = startCli(args);
      await finished(again);
      assert.deepEqual(comparable(out), expected);
      const starts = trainingStarts(worker.stderr());
      assert.equal(starts.size, 4);
      assert.ok(
        [...starts.values()].every((n) => n === 1),
        worker.stderr(),
      );
    } finally {
      await stopWorker(worker);
      await redis.stop();
    }
  },
);

test(
  "Redis restarted mid-sweep: worker and coordinator reconnect, nothing is lost or trained twice",
  { skip },
  async () => {
    const redis = await startRedis();
    const data = tinyDataset();
    dirs.track(data);
    const expected = await reference(sweep(data, scratch(), "bamsprod", 2, 4));
    const worker = startWorker(redis.url, [], TAKEOVER_SECONDS);
    try {
      const out = scratch();
      const coordinator = startCli([...sweep(data, out, "bamsprod", 2, 4), "--queue", redis.url]);
      await worker.waitFor(/epoch 1\/4/);
      await redis.restart();
      await finished(coordinator);
      assert.deepEqual(comparable(out), expected);
      const starts = trainingStarts(worker.stderr());
      assert.equal(starts.size, 2);
      assert.ok(
        [...starts.values()].every((n) => n === 1),
        worker.stderr(),
      );
      assert.doesNotMatch(worker.stderr(), /attempt 2/);
    } finally {
      await stopWorker(worker);
      await redis.stop();
    }
  },
);
