/**
 * `bamsprod worker --queue redis://HOST:PORT`: trains the runs that `bamsprod compare --queue`
 * enqueues, on this machine's kernels, until stopped. Ctrl-C or SIGTERM stops it cleanly: runs
 * in progress save a checkpoint and go back to the queue for another worker, then it exits 0 (a
 * worker has no other way to end); a second signal quits at once with 130 or 143.
 */
import { Command } from "commander";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { positiveInt } from "../options.js";
import { againHint, stopSignals, type StopSignal } from "../signals.js";
import { parseQueueUrl } from "../../experiments/compare/queueUrl.js";
import { connectQueue } from "../../experiments/compare/queueClient.js";
import { startWorker } from "../../experiments/compare/queueWorker.js";

interface WorkerOpts {
  queue: string;
  jobs: number;
  dataDir?: string;
  workDir?: string;
  lockSeconds: number;
}

export function register(program: Command): void {
  program
    .command("worker")
    .description("train the runs of `compare --queue` sweeps, taken from a Redis queue, until stopped")
    .requiredOption(
      "--queue <url>",
      "the sweep queue: redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS",
    )
    .option("--jobs <n>", "runs trained at once, each in its own process", positiveInt, 1)
    .option("--data-dir <dir>", "this machine's copy of the data, if not where the coordinator's is")
    .option("--work-dir <dir>", "scratch directory for runs in progress (default: a new temporary one)")
    .option(
      "--lock-seconds <s>",
      "a run whose worker is silent this long (killed, cut off) is taken over by another worker",
      positiveInt,
      30,
    )
    .action(async (opts: WorkerOpts) => {
      const url = parseQueueUrl(opts.queue);
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const connection = await connectQueue(url, log);
      const workDir = resolve(opts.workDir ?? mkdtempSync(join(tmpdir(), "bamsprod-worker-")));
      const worker = startWorker(connection, {
        jobs: opts.jobs,
        workDir,
        dataDir: opts.dataDir,
        lockSeconds: opts.lockSeconds,
        log,
      });
      log(`${worker.name}: waiting for runs on ${url.display} (${opts.jobs} at a time, scratch ${workDir})`);
      await new Promise<void>((done) => {
        let stopping = false;
        const onSignal = (signal: StopSignal): void => {
          if (stopping) process.exit(stopSignals[signal]);
          stopping = true;
          log(
            `${worker.name}: stopping; runs in progress save a checkpoint and go back to the queue (${againHint(signal)} again to quit now)`,
          );
          void worker.stop().then(done);
        };
        for (const signal of Object.keys(stopSignals) as StopSignal[]) process.on(signal, onSignal);
      });
    });
}
