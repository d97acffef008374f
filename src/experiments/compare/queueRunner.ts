/**
 * The coordinator's side of a queued sweep: a RunFn (see runs.ts) that enqueues each run as a
 * job with a deterministic id and resolves when a worker has finished it, writing the run's
 * files (metrics.jsonl, checkpoint.json, train.log) into its directory just as a local run
 * would. Job states are polled, not pushed: polling survives Redis restarts and a coordinator
 * that was away, with nothing to miss.
 */
import { join } from "node:path";
import type { Queue } from "bullmq";
import { BamsprodError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import type { DataFingerprint } from "../../data/index.js";
import { CheckpointStore } from "./checkpointStore.js";
import { QUEUE_NAME, QUEUE_PREFIX, type QueueConnection } from "./queueClient.js";
import { jobId, type JobData, type JobProgress, type JobResult } from "./queueJob.js";
import { progressLine, type JobView } from "./queueProgress.js";
import { METRICS_FILE, type RunFn, type TrainSummary } from "./runs.js";
import { asEnvironments, metricsText } from "../../train/environments.js";
import type { RunSpec } from "./plan.js";

/** A run that fails for other reasons than bad input is tried this many times in all. */
export const JOB_ATTEMPTS = 3;
const POLL_MS = 1000;
const CLOSE_MS = 5000;
const COMMAND_TIMEOUT_MS = 60_000;
const ENQUEUE_MS = 30_000;

interface Pending {
  spec: RunSpec;
  resolve(result: JobResult): void;
  reject(err: Error): void;
}

export interface QueueRunner {
  run: RunFn;
  close(): Promise<void>;
}

export function queueRunner(
  connection: QueueConnection,
  fingerprint: DataFingerprint,
  log: (line: string) => void,
): QueueRunner {
  // A reply that never comes must not stop the polling for good: the command fails, the next poll retries.
  const redis = connection.open(COMMAND_TIMEOUT_MS);
  const queue: Queue<JobData, JobResult> = new connection.bullmq.Queue(QUEUE_NAME, {
    connection: redis,
    prefix: QUEUE_PREFIX,
  });
  const store = new CheckpointStore(redis);
  const pending = new Map<string, Pending>();
  const done = new Map<string, string>(); // job id -> worker, for the progress line
  let lastLine = "";
  let polling = false;

  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      const views: JobView[] = [];
      for (const [id, p] of pending) {
        // The state first, then the job: read the other way round, a job finishing in between
        // would look completed without its result.
        const state = await queue.getJobState(id);
        const job = state === "unknown" ? undefined : await queue.getJob(id);
        if (job === undefined) {
          enqueue(id, p.spec); // not added yet, or lost with a Redis that had no append-only file
        } else if (state === "completed") {
          done.set(id, job.returnvalue.worker);
          pending.delete(id);
          p.resolve(job.returnvalue);
        } else if (state === "failed") {
          pending.delete(id);
          p.reject(new BamsprodError(job.failedReason));
        } else {
          views.push({ dir: p.spec.dir, state, progress: (job.progress ?? null) as JobProgress | null });
        }
      }
      const line = progressLine(views, [...done.values()]);
      if (line !== lastLine && pending.size > 0) log(line);
      lastLine = line;
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll().catch((err: Error) => log(`queue: ${err.message}`)), POLL_MS);

  const addOrRetry = async (id: string, spec: RunSpec): Promise<void> => {
    const existing = await queue.getJob(id);
    if (existing === undefined) {
      await queue.add(
        "train",
        { spec, fingerprint },
        {
          jobId: id,
          attempts: JOB_ATTEMPTS,
          backoff: { type: "exponential", delay: 2000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      );
    } else if ((await existing.getState()) === "failed" && !retried.has(id)) {
      // Asked again after a failure (the same command re-run): try it again, once.
      retried.add(id);
      await existing.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
  };
  // Adds go one at a time, each given at most ENQUEUE_MS: the poller sees the jobs either way
  // and adds any that are still missing.
  const retried = new Set<string>();
  const adding = new Set<string>();
  let chain = Promise.resolve();
  const enqueue = (id: string, spec: RunSpec): void => {
    if (adding.has(id)) return;
    adding.add(id);
    chain = chain
      .then(() => within(addOrRetry(id, spec), ENQUEUE_MS))
      .catch((err: Error) => log(`queue: adding ${spec.dir}: ${err.message}`))
      .finally(() => adding.delete(id));
  };

  const run: RunFn = async (spec, dir) => {
    const id = jobId(spec, fingerprint);
    const result = new Promise<JobResult>((resolve, reject) => pending.set(id, { spec, resolve, reject }));
    enqueue(id, spec);
    return collect(store, id, await result, dir, connection.url.display);
  };

  return {
    run,
    close: async () => {
      clearInterval(timer);
      // Closing waits for commands in flight; with Redis gone it would wait for ever.
      await within(queue.close(), CLOSE_MS).catch(() => {});
      redis.disconnect();
    },
  };
}

/** Writes a finished job's files into the run directory, as a local run leaves them. */
async function collect(
  store: CheckpointStore,
  id: string,
  result: JobResult,
  dir: string,
  where: string,
): Promise<TrainSummary> {
  writeFileAtomic(
    join(dir, METRICS_FILE),
    metricsText(result.metrics, asEnvironments(result.summary.environments)),
  );
  const checkpoint = await store.get(id);
  if (checkpoint !== null) writeFileAtomic(join(dir, "checkpoint.json"), checkpoint);
  const resumed = result.resumedFrom > 0 ? `, resumed from epoch ${result.resumedFrom}` : "";
  writeFileAtomic(
    join(dir, "train.log"),
    `trained through the queue ${where} as job ${id} by ${result.worker}${resumed}\n`,
  );
  await store.remove(id);
  // The run's files are here now, not in the worker's scratch directory.
  const options = { ...(result.summary.options as Record<string, unknown>), out: dir };
  return { ...result.summary, options };
}

/** The promise, or a rejection after `ms` if it has not settled by then. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
