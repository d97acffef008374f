/**
 * The real runner: each run is a `bamsprod train ... --json --out DIR` child process, so runs
 * proceed in parallel on separate cores and a crash in one cannot corrupt another. The child's
 * stderr (progress, epoch lines) goes to DIR/train.log; its stdout is the JSON summary. The
 * local pool and the queue workers both train through it.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BamsprodError } from "../../util/errors.js";
import { trainArgs, type RunSpec } from "./plan.js";
import { trainFlags } from "./grid.js";
import type { RunFn, TrainSummary } from "./runs.js";

/** build/src/cli/main.js of this package, found relative to this compiled file. */
export function cliEntryPoint(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "cli", "main.js");
}

export interface SpawnRunnerOptions {
  /** Path of the CLI's main.js; default: this package's. */
  entryPoint?: string;
  /** Extra environment for the children. */
  env?: Record<string, string>;
  /**
   * When aborted, each running child gets one SIGINT: it saves a checkpoint and stops. The
   * children then run in their own process group, so a Ctrl-C at the terminal reaches them
   * only through this signal (a second SIGINT would make them quit without saving).
   */
  stop?: AbortSignal;
}

/** Exit code of `bamsprod train` stopped by SIGINT after saving a checkpoint (cli/signals.ts). */
const EXIT_STOPPED = 130;

/**
 * A training child that exited unsuccessfully: its exit code (2: bad input, see cli/main.ts),
 * or a run not started because the runner was already stopping (code null, notStarted).
 */
export class TrainRunError extends BamsprodError {
  constructor(
    message: string,
    readonly code: number | null,
    readonly signal: string | null,
    /** The end of the child's stderr. */
    readonly stderrTail: string,
    readonly notStarted = false,
  ) {
    super(message);
    this.name = "TrainRunError";
  }

  /** True when the stop signal ended the run (checkpoint saved) or kept it from starting. */
  get stopped(): boolean {
    return this.notStarted || this.code === EXIT_STOPPED;
  }

  /** The child's own one-line error ("bamsprod: ..." or commander's "error: ..."), if it printed one. */
  reason(): string | null {
    return errorLine(this.stderrTail);
  }
}

/** The last "bamsprod: ..." or "error: ..." line of a `bamsprod` process's stderr, without the prefix. */
export function errorLine(stderr: string): string | null {
  const line = stderr
    .split("\n")
    .reverse()
    .find((l) => /^(bamsprod|error): /.test(l));
  return line === undefined ? null : line.replace(/^(bamsprod|error): /, "");
}

const STDERR_TAIL = 4096;

/**
 * One thread per run (BLAS and the native pool), unless the user set a thread count. Runs in
 * parallel need it (more threads than cores only slows them all down), and so do queued runs:
 * the native kernels' sums depend on the thread count, so one thread everywhere keeps a run's
 * numbers the same on every worker.
 */
export function singleThreadEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.env.OPENBLAS_NUM_THREADS === undefined) env.OPENBLAS_NUM_THREADS = "1";
  if (process.env.BAMSPROD_THREADS === undefined) env.BAMSPROD_THREADS = "1";
  return env;
}

/** The children's environment when `jobs` runs train at once on this machine. */
export function parallelRunEnv(jobs: number): Record<string, string> {
  return jobs > 1 ? singleThreadEnv() : {};
}

export function spawnRunner(options: SpawnRunnerOptions = {}): RunFn {
  const entry = options.entryPoint ?? cliEntryPoint();
  return (spec, dir) => runChild(entry, spec, dir, options.env ?? {}, options.stop);
}

function runChild(
  entry: string,
  spec: RunSpec,
  dir: string,
  env: Record<string, string>,
  stop: AbortSignal | undefined,
): Promise<TrainSummary> {
  if (stop?.aborted === true) {
    return Promise.reject(
      new TrainRunError(`training run ${spec.dir} not started: stopping`, null, null, "", true),
    );
  }
  const args = trainArgs(spec, dir, trainFlags);
  // An interrupted run left a checkpoint: continue it rather than start over.
  if (existsSync(join(dir, "checkpoint.json"))) args.push("--resume");
  const logPath = join(dir, "train.log");
  const log = createWriteStream(logPath, { flags: "a" });
  log.write(`$ node ${entry} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
      detached: stop !== undefined,
    });
    const onStop = (): void => void child.kill("SIGINT");
    stop?.addEventListener("abort", onStop, { once: true });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    let stderrTail = "";
    child.stderr.pipe(log, { end: false });
    child.stderr.on(
      "data",
      (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL)),
    );
    child.on("error", (err) => {
      log.end();
      reject(err);
    });
    // The log is flushed before the run settles, so its reader sees the whole of it.
    child.on("close", (code, signal) => {
      stop?.removeEventListener("abort", onStop);
      log.end(() => settle(code, signal));
    });
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (code !== 0) {
        reject(
          new TrainRunError(
            `training run ${spec.dir} failed (${signal ?? `exit code ${code}`}); see ${logPath}, then run the comparison again to resume`,
            code,
            signal,
            stderrTail,
          ),
        );
        return;
      }
      try {
        const summary = JSON.parse(stdout.trim().split("\n").pop() ?? "") as TrainSummary;
        if (summary.stopped === true) throw new Error("the run was stopped before its last epoch");
        resolve(summary);
      } catch (err) {
        reject(
          new BamsprodError(
            `training run ${spec.dir} printed no valid JSON summary (${(err as Error).message}); see ${logPath}`,
          ),
        );
      }
    };
  });
}
