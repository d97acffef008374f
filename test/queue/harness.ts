/**
 * Real components for the queue tests: Debian's redis-server on a free loopback port in a temp
 * directory (append-only file on, so a restart keeps the queue), `bamsprod worker` and
 * `bamsprod compare` processes, and a small generated dataset so runs take a second.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { after } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliEntryPoint } from "../../src/experiments/index.js";
import { syntheticSet, writeIdxDataset } from "../data/fixtures.js";

/** Temp directories for one test file: `fresh()` makes one, `track(dir)` adopts one; all are removed when the file ends. */
export function scratchDirs(prefix: string): { fresh: () => string; track: (...dirs: string[]) => void } {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const track = (...more: string[]): void => void dirs.push(...more);
  return {
    fresh: () => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      track(d);
      return d;
    },
    track,
  };
}

/** Null when redis-server can be started, else the one-line reason the tests are skipped. */
export function redisMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? null : "redis-server is not installed (apt-get install redis-server)";
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => resolve(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
  });
}

export interface RedisServer {
  url: string;
  dir: string;
  /** SIGTERM (Redis writes its append-only file), then start it again on the same port and files. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
  args.push("--appendonly", "yes", "--appendfsync", "always", "--logfile", join(dir, "redis.log"));
  let server: ChildProcess;
  const launch = async (): Promise<void> => {
    server = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 100 && !(await answersPing(port)); i++) await sleep(50);
  };
  const halt = async (): Promise<void> => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    dir,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A `bamsprod` process whose stderr is collected. */
export interface CliProcess {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (null: killed by a signal). */
  exited: Promise<number | null>;
  /** Waits until stderr matches (fails after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [cliEntryPoint(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let err = "";
  let out = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitFor: async (pattern, ms = 60_000) => {
      const start = Date.now();
      while (!pattern.test(err)) {
        if (Date.now() - start > ms) throw new Error(`timed out waiting for ${pattern} in:\n${err}`);
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${pattern}:\n${err}`);
        await sleep(100);
      }
    },
  };
}

/**
 * A worker. `lockSeconds` is how long after it stops answering (killed) its jobs are taken over:
 * the CLI's default 30 s unless a test kills workers (test/slow/queueFaults.test.ts uses 10 s).
 * A shorter lock can expire under a busy machine's load while the worker still runs the job, and
 * the job is then trained twice.
 */
export function startWorker(url: string, extra: string[] = [], lockSeconds = 30): CliProcess {
  const workDir = mkdtempSync(join(tmpdir(), "bamsprod-worker-test-"));
  const worker = startCli([
    "worker",
    "--queue",
    url,
    "--work-dir",
    workDir,
    "--lock-seconds",
    String(lockSeconds),
    ...extra,
  ]);
  void worker.exited.then(() => rmSync(workDir, { recursive: true, force: true }));
  return worker;
}

/** Stops a worker cleanly (SIGTERM) and waits for it. */
export async function stopWorker(w: CliProcess): Promise<void> {
  if (w.child.exitCode === null) w.child.kill("SIGTERM");
  await w.exited;
}

/** A generated MNIST-shaped dataset (600 training, 200 test images) in a temp directory. */
export function tinyDataset(seedShift = 0): string {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-queue-data-"));
  const train = syntheticSet(600 + seedShift, [1, 28, 28]);
  writeIdxDataset(dir, train, syntheticSet(200, [1, 28, 28]));
  return dir;
}

/** results.json with every timing set to 0 and the output directory replaced by "<out>". */
export function comparable(out: string): unknown {
  const text = readFileSync(join(out, "results.json"), "utf8").split(out).join("<out>");
  return JSON.parse(text, (key, value: unknown) => (/seconds/i.test(key) ? 0 : value));
}

/** Counts of "training DIR (job ID, attempt N)" lines in a worker log, per run directory. */
export function trainingStarts(logs: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of logs.matchAll(/: training (\S+) \(job/g)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  return counts;
}

/** What a queue test runs against: a fresh Redis, a tiny dataset, and workers it starts. */
export interface QueueSession {
  redis: RedisServer;
  data: string;
  /** {@link startWorker} on this Redis; the worker is stopped when the test ends. */
  worker(extra?: string[], lockSeconds?: number): CliProcess;
  /** A new temp directory, removed when the test file ends. */
  scratch(): string;
  /** Adopts directories to remove when the test file ends. */
  track(...dirs: string[]): void;
}

/**
 * A queue test file's setup: `skip`, the reason its tests are skipped (false: Redis is there),
 * and `withQueue`, which runs a test's body with a fresh Redis and a tiny dataset, then stops
 * every worker it started and Redis, also when it fails. Temp directories are named PREFIX*.
 */
export function queueTestFile(prefix: string): {
  skip: string | false;
  withQueue(body: (session: QueueSession) => Promise<void>): Promise<void>;
} {
  const { fresh, track } = scratchDirs(prefix);
  const withQueue = async (body: (session: QueueSession) => Promise<void>): Promise<void> => {
    const redis = await startRedis();
    const data = tinyDataset();
    track(data);
    const workers: CliProcess[] = [];
    const worker = (extra: string[] = [], lockSeconds?: number): CliProcess => {
      const w = startWorker(redis.url, extra, lockSeconds);
      workers.push(w);
      return w;
    };
    try {
      await body({ redis, data, worker, scratch: fresh, track });
    } finally {
      await Promise.all(workers.map(stopWorker));
      await redis.stop();
    }
  };
  return { skip: redisMissing() ?? false, withQueue };
}

/** Asserts that a `bamsprod` process exited with 0 (its stderr as the message). */
export async function finished(p: CliProcess): Promise<void> {
  assert.equal(await p.exited, 0, p.stderr());
}

/** Asserts that worker logs show `runs` runs started, each exactly once. */
export function assertTrainedOnce(logs: string, runs: number): void {
  const starts = trainingStarts(logs);
  assert.equal(starts.size, runs, logs);
  assert.ok(
    [...starts.values()].every((n) => n === 1),
    logs,
  );
}
