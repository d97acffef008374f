/**
 * What travels through the queue for one training run: the job (its spec and the data
 * fingerprint), its progress, and its result. A job's id is a hash of everything that decides
 * the run's numbers, so enqueuing the same run twice (a re-run command, a restarted
 * coordinator, another sweep sharing runs) finds the existing job instead of adding work.
 */
import { createHash } from "node:crypto";
import type { DataFingerprint } from "../../data/index.js";
import type { RunSpec } from "./plan.js";
import type { EpochRecord, TrainSummary } from "./runs.js";

export interface JobData {
  spec: RunSpec;
  /** The coordinator's data; a worker whose data differs fails the job with the difference. */
  fingerprint: DataFingerprint;
}

export interface JobProgress {
  /** host:pid of the worker training it. */
  worker: string;
  /** Epochs finished, and of how many. */
  epoch: number;
  epochs: number;
  /** Epoch the run resumed from (0: started fresh). */
  resumedFrom: number;
}

export interface JobResult {
  summary: TrainSummary;
  metrics: EpochRecord[];
  worker: string;
  /** Epoch the final attempt resumed from (0: it trained from the start). */
  resumedFrom: number;
}

/** Bump when the meaning of a job changes, so old results are not mistaken for new ones. */
const JOB_VERSION = 1;

/** "run-" and 32 hex digits of SHA-256 over the run's full configuration and the data fingerprint. */
export function jobId(spec: RunSpec, fingerprint: DataFingerprint): string {
  const identity = {
    version: JOB_VERSION,
    model: spec.model,
    optimizer: spec.optimizer,
    options: Object.fromEntries(Object.entries(spec.options).sort(([a], [b]) => (a < b ? -1 : 1))),
    seed: spec.seed,
    epochs: spec.epochs,
    trainSize: spec.trainSize,
    valSize: spec.valSize ?? null,
    batchSize: spec.batchSize ?? null,
    data: fingerprint.hash,
  };
  return `run-${createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32)}`;
}

/** host:pid, how workers are named in progress lines and results. */
export function workerName(host: string, pid: number): string {
  return `${host}:${pid}`;
}
