/**
 * A queue worker: takes jobs, trains each as the local pool does (a `bamsprod train` child,
 * through spawnRunner), and after every epoch sends the checkpoint to Redis and the epoch to
 * the job's progress. A job that another worker started (and lost: killed, disconnected)
 * resumes from its last stored checkpoint, bit-identically. Bad input (exit code 2 of the
 * child, data that differs from the coordinator's) fails the job once, with the reason; other
 * failures are retried.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { fingerprintDifference } from "../../data/index.js";
import { BamsprodError } from "../../util/errors.js";
import { CheckpointStore } from "./checkpointStore.js";
import { QUEUE_NAME, QUEUE_PREFIX, type QueueConnection } from "./queueClient.js";
import { workerName, type JobData, type JobProgress, type JobResult } from "./queueJob.js";
import { fingerprintOf } from "./queueData.js";
import { errorLine, singleThreadEnv, spawnRunner, TrainRunError } from "./spawnRunner.js";
import { METRICS_FILE, readMetrics } from "./runs.js";

export interface WorkerOptions {
  /** Jobs trained at once (each in its own process). */
  jobs: number;
  /** Scratch directory for the runs in progress. */
  workDir: string;
  /** This machine's copy of the data, if it is not where the coordinator's is. */
  dataDir?: string;
  /** A job whose worker stops renewing its lock for this long is taken over by another worker. */
  lockSeconds: number;
  log(line: string): void;
}

export interface RunningWorker {
  name: string;
  /** Stops taking jobs; runs in progress save a checkpoint and go back to the queue. */
  stop(): Promise<void>;
}

const WATCH_MS = 500;
/** A worker that lost the same job this many times (killed, hung) fails it. */
const MAX_STALLED = 5;
/** Exit code of `bamsprod` for bad input (cli/main.ts). */
const EXIT_BAD_INPUT = 2;

export function startWorker(connection: QueueConnection, options: WorkerOptions): RunningWorker {
  const { bullmq } = connection;
  const name = workerName(hostname(), process.pid);
  const stopping = new AbortController();
  const redis = connection.open();
  const store = new CheckpointStore(redis);
  const log = options.log;

  const process_ = async (job: Job<JobData, JobResult>, token?: string): Promise<JobResult> => {
    const id = job.id as string;
    const { fingerprint } = job.data;
    const spec = { ...job.data.spec, dataDir: options.dataDir ?? job.data.spec.dataDir };
    let difference: string | null;
    try {
      difference = fingerprintDifference(fingerprint, fingerprintOf(spec.dataDir));
    } catch (err) {
      throw new bullmq.UnrecoverableError(`${name}: cannot load the data: ${(err as Error).message}`);
    }
    if (difference !== null) {
      throw new bullmq.UnrecoverableError(
        `${name} has other data than the coordinator (${difference}); give the worker --data-dir with the same files`,
      );
    }
    // A directory per attempt: a stalled attempt of the same job may still be running here.
    mkdirSync(options.workDir, { recursive: true });
    const dir = mkdtempSync(join(options.workDir, `${id}-`));
    const saved = await store.get(id);
    let resumedFrom = 0;
    if (saved !== null) {
      // The directory as the interrupted run left it: its checkpoint and its metrics so far.
      const history = (JSON.parse(saved) as { history: unknown[] }).history;
      writeFileSync(join(dir, "checkpoint.json"), saved);
      writeFileSync(join(dir, METRICS_FILE), history.map((m) => `${JSON.stringify(m)}\n`).join(""));
      resumedFrom = history.length;
    }
    log(
      `${name}: training ${spec.dir} (job ${id}, attempt ${job.attemptsStarted})` +
        (saved !== null ? `, resuming from epoch ${resumedFrom}` : ""),
    );
    const progress = (epoch: number): JobProgress => ({
      worker: name,
      epoch,
      epochs: spec.epochs,
      resumedFrom,
    });
    await job.updateProgress(progress(resumedFrom));

    let sent = resumedFrom;
    const upload = async (): Promise<void> => {
      const epochs = readMetrics(dir).length;
      if (epochs <= sent || !existsSync(join(dir, "checkpoint.json"))) return;
      await sendCheckpoint(store, id, dir);
      sent = epochs;
      await job.updateProgress(progress(epochs));
      const val = readMetrics(dir)[epochs - 1].val_accuracy;
      const shown = val === null ? "" : `: val ${(100 * val).toFixed(2)}%`;
      log(`${name}: ${spec.dir} epoch ${epochs}/${spec.epochs}${shown}`);
    };
    let uploading = Promise.resolve();
    const watcher = setInterval(() => {
      uploading = uploading.then(upload).catch((err: Error) => log(`${name}: ${err.message}`));
    }, WATCH_MS);
    const runner = spawnRunner({ env: singleThreadEnv(), stop: stopping.signal });
    try {
      const summary = await runner(spec, dir);
      clearInterval(watcher);
      await uploading;
      await upload();
      const result: JobResult = { summary, metrics: readMetrics(dir), worker: name, resumedFrom };
      rmSync(dir, { recursive: true, force: true });
      log(`${name}: done ${spec.dir}`);
      return result;
    } catch (err) {
      clearInterval(watcher);
      await uploading;
      throw await failure(err, job, token, dir);
    }
  };

  /** What a failed child means for the job: stopped (back to the queue), bad input (fail once), or retry. */
  const failure = async (err: unknown, job: Job, token: string | undefined, dir: string): Promise<Error> => {
    if (err instanceof TrainRunError && err.stopped && stopping.signal.aborted) {
      // The child saved a checkpoint inside the epoch: keep it, and let another worker go on.
      if (existsSync(join(dir, "checkpoint.json"))) await sendCheckpoint(store, job.id as string, dir);
      await job.moveToWait(token);
      log(`${name}: stopped ${job.data.spec.dir}; it goes back to the queue`);
      return new bullmq.WaitingError();
    }
    if (err instanceof TrainRunError && err.code === EXIT_BAD_INPUT) {
      return new bullmq.UnrecoverableError(err.reason() ?? logReason(dir) ?? err.message);
    }
    if (err instanceof BamsprodError) return new bullmq.UnrecoverableError(err.message);
    return err instanceof Error ? err : new Error(String(err));
  };

  const workerRedis = connection.open();
  const worker = new bullmq.Worker<JobData, JobResult>(QUEUE_NAME, process_, {
    connection: workerRedis,
    prefix: QUEUE_PREFIX,
    concurrency: options.jobs,
    lockDuration: options.lockSeconds * 1000,
    stalledInterval: options.lockSeconds * 1000,
    maxStalledCount: MAX_STALLED,
    name,
  });
  worker.on("failed", (job, err) => {
    if (job !== undefined && !(err instanceof bullmq.WaitingError))
      log(`${name}: ${job.data.spec.dir} failed: ${err.message}`);
  });
  worker.on("error", (err) => log(`${name}: ${err.message}`));

  return {
    name,
    stop: async () => {
      stopping.abort();
      await worker.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}

/** Sends the run directory's checkpoint to Redis (kept only if it is newer than the stored one). */
async function sendCheckpoint(store: CheckpointStore, id: string, dir: string): Promise<void> {
  const text = readFileSync(join(dir, "checkpoint.json"), "utf8");
  const state = JSON.parse(text) as { step: number };
  await store.put(id, state.step, text);
}

/** The error line of a run's train.log, if any. */
function logReason(dir: string): string | null {
  const path = join(dir, "train.log");
  return existsSync(path) ? errorLine(readFileSync(path, "utf8")) : null;
}
