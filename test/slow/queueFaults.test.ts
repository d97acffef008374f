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
  assertTrainedOnce,
  comparable,
  finished,
  queueTestFile,
  startCli,
  type QueueSession,
} from "../queue/harness.js";

const { skip, withQueue } = queueTestFile("bamsprod-faults-");
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

/**
 * A sweep (see {@link sweep}) run on the local pool first; then `args`, the same sweep through
 * the session's queue into the fresh directory `out`, and `matches()`, which asserts that `out`
 * holds the local results.
 */
async function queuedSweep(
  { redis, data, scratch }: QueueSession,
  optimizers: string,
  seeds: number,
  epochs: number,
): Promise<{ out: string; args: string[]; matches(): void }> {
  const local = scratch();
  await finished(startCli(sweep(data, local, optimizers, seeds, epochs)));
  const expected = comparable(local);
  const out = scratch();
  const args = [...sweep(data, out, optimizers, seeds, epochs), "--queue", redis.url];
  return { out, args, matches: () => assert.deepEqual(comparable(out), expected) };
}

test(
  "a worker killed with SIGKILL mid-run: another worker resumes from its checkpoint, same numbers",
  { skip },
  () =>
    withQueue(async (session) => {
      // 40 short epochs: the worker logs the epochs it finds every half second, so on a fast
      // machine the first line after epoch 1 may be epoch 10; waiting for one in the first half
      // leaves the kill well inside the run wherever it lands.
      const { out, args, matches } = await queuedSweep(session, "bamsprod", 1, 40);
      const first = session.worker([], TAKEOVER_SECONDS);
      const coordinator = startCli(args);
      await first.waitFor(/epoch (?:[2-9]|1\d|20)\/40/);
      first.child.kill("SIGKILL");
      const second = session.worker([], TAKEOVER_SECONDS);
      await finished(coordinator);
      matches();
      const midRun = "(?:[2-9]|[1-3]\\d)"; // epochs 2-39
      assert.match(
        second.stderr(),
        new RegExp(
          `training runs/final/bmlp/bamsprod/seed-1 \\(job \\S+, attempt 2\\), resuming from epoch ${midRun}\\b`,
        ),
      );
      assert.match(
        readFileSync(join(out, "runs/final/bmlp/bamsprod/seed-1/train.log"), "utf8"),
        new RegExp(`resumed from epoch ${midRun}\\b`),
      );
    }),
);

test(
  "the coordinator killed and started again reattaches to the sweep; no run is trained twice",
  { skip },
  () =>
    withQueue(async (session) => {
      const { args, matches } = await queuedSweep(session, "bamsprod,adam", 2, 3);
      const worker = session.worker([], TAKEOVER_SECONDS);
      const first = startCli(args);
      await first.waitFor(/\[1\/4\] done/);
      first.child.kill("SIGKILL");
      await first.exited;
      const again = startCli(args);
      await finished(again);
      matches();
      assertTrainedOnce(worker.stderr(), 4);
    }),
);

test(
  "Redis restarted mid-sweep: worker and coordinator reconnect, nothing is lost or trained twice",
  { skip },
  () =>
    withQueue(async (session) => {
      const { args, matches } = await queuedSweep(session, "bamsprod", 2, 4);
      const worker = session.worker([], TAKEOVER_SECONDS);
      const coordinator = startCli(args);
      await worker.waitFor(/epoch 1\/4/);
      await session.redis.restart();
      await finished(coordinator);
      matches();
      assertTrainedOnce(worker.stderr(), 2);
      assert.doesNotMatch(worker.stderr(), /attempt 2/);
    }),
);
