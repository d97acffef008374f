/**
 * The real runner: each run is a `bamsprod train ... --json --out DIR` child process, so runs
 * proceed in parallel on separate cores and a crash in one cannot corrupt another. The child's
 * stderr (progress, epoch lines) goes to DIR/train.log; its stdout is the JSON summary.
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
}

export function spawnRunner(options: SpawnRunnerOptions = {}): RunFn {
  const entry = options.entryPoint ?? cliEntryPoint();
  return (spec, dir) => runChild(entry, spec, dir, options.env ?? {});
}

function runChild(
  entry: string,
  spec: RunSpec,
  dir: string,
  env: Record<string, string>,
): Promise<TrainSummary> {
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
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.pipe(log, { end: false });
    child.on("error", (err) => {
      log.end();
      reject(err);
    });
    child.on("close", (code, signal) => {
      log.end();
      if (code !== 0) {
        reject(
          new BamsprodError(
            `training run ${spec.dir} failed (${signal ?? `exit code ${code}`}); see ${logPath}, then run the comparison again to resume`,
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
    });
  });
}
