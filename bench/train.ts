/**
 * Training speed, side by side in one run: `npm run bench -- train [--steps 30] [--threads N]
 * [--models bmlp,bcnn,birealnet,reactnet] [--repeat 3] [--rss-steps 1000] [--portable-steps 5]
 * [--no-portable]`.
 *
 * Trains bmlp and bcnn (by default; birealnet and reactnet on request) on Fashion-MNIST
 * batches of 128 with BAMSProd for a fixed number of steps, each configuration in its own
 * process so that peak memory is its own: our engine with the native kernels, with the
 * portable kernels, and, for bmlp and bcnn when python3-torch is installed, the same
 * architecture and optimizer in PyTorch (bench/pytorch_train.py) on the same thread count
 * (OpenBLAS, OpenMP and the addon's pool all limited to it) and the same batches. Prints, per
 * engine, the median wall-clock milliseconds per step after warm-up and the median CPU
 * milliseconds per step (user + system time of the process, all its threads), the ratios
 * ours/PyTorch and native/portable, and peak RSS. On a machine shared with other jobs the wall
 * clock counts the time other processes held the core, so with one thread the CPU time is the
 * fairer figure; with more threads it also counts spin-waiting, so there compare wall clock.
 * --repeat N runs native and PyTorch N times, alternating, and reports the median of the runs'
 * medians. With more than one thread PyTorch runs with OpenMP's active and passive wait
 * policies and the faster is reported (spinning OpenMP threads can make it 10x slower on a
 * shared machine). With --rss-steps N (default 1000, 0 to skip) it also trains bmlp natively
 * for N steps and reports resident memory along the way, which must stay flat. The load
 * average is printed before and after: repeat a run before trusting a ratio near 1.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { batches, loadFashionMnist } from "../src/data/index.js";
import { setBackend } from "../src/kernels/index.js";
import { chooseBackend } from "../src/kernels/select.js";
import { buildModel } from "../src/nn/index.js";
import { createOptimizer } from "../src/optim/index.js";
import { Tensor, backward, releaseGraph, softmaxCrossEntropy } from "../src/tensor/index.js";
import { Rng } from "../src/util/random.js";
import { optimizerParams } from "../src/train/fit.js";
import { BamsprodError } from "../src/util/errors.js";

const BATCH = 128;
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

interface Options {
  steps: number;
  portableSteps: number;
  portable: boolean;
  warmup: number;
  threads: number;
  models: string[];
  rssSteps: number;
  repeat: number;
}

/** What one worker process reports (printed as one JSON line). */
interface WorkerResult {
  engine: string;
  model: string;
  msPerStep: number;
  /** Median CPU time (user + system, all threads) per step. */
  cpuMsPerStep: number;
  /** How the engine was configured, when it matters (PyTorch's OpenMP wait policy). */
  note?: string;
  steps: number;
  peakRssMb: number;
  /** [step, rss MB] samples (the RSS run only). */
  rss?: [number, number][];
  data?: string;
}

/** The models this bench trains, and those bench/pytorch_train.py has a twin of. */
const MODELS = new Set(["bmlp", "bcnn", "birealnet", "reactnet"]);
const TORCH_TWINS = new Set(["bmlp", "bcnn"]);

export default async function (args: string[]): Promise<void> {
  if (args[0] === "--worker") return worker(args.slice(1));
  const o = parseArgs(args);
  const batchFile = writeBatches(10);
  try {
    const torch = torchAvailable();
    console.log(
      `bench train: batch ${BATCH}, BAMSProd, ${o.threads} thread(s), ${o.steps} timed steps after ${o.warmup} warm-up ` +
        `(portable: ${o.portable ? o.portableSteps : "skipped"}), ${o.repeat} run(s) each; ms per step is the median step`,
    );
    console.log(torch.ok ? `PyTorch: ${torch.reason}` : `PyTorch: skipped (${torch.reason})`);
    console.log(`load average before: ${formatLoad()}`);
    let source: string | undefined;
    for (const model of o.models) {
      const natives: WorkerResult[] = [];
      // With several threads PyTorch runs twice per round: OpenMP's default (active) wait policy
      // spins between parallel regions, which on a shared machine can cost it 10x (measured),
      // so the faster of active and passive is reported: PyTorch at its best.
      const policies = o.threads > 1 ? (["active", "passive"] as const) : (["active"] as const);
      const torches = new Map<string, WorkerResult[]>(policies.map((p) => [p, []]));
      const timed = [model, String(o.steps), String(o.warmup), "0"];
      const withTorch = torch.ok && TORCH_TWINS.has(model);
      // Alternate the engines so a burst of load from other jobs hits all alike.
      for (let r = 0; r < o.repeat; r++) {
        natives.push(runWorker(["native", ...timed], o.threads));
        if (withTorch) {
          for (const policy of policies) {
            torches.get(policy)?.push(runTorch(torch.python, model, o, batchFile.path, policy));
          }
        }
      }
      const portable = o.portable
        ? runWorker(["portable", model, String(o.portableSteps), "1", "0"], o.threads)
        : null;
      source ??= natives[0].data;
      const torchBest = withTorch
        ? [...torches.values()].map(combine).reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a))
        : null;
      report(model, combine(natives), portable, torchBest);
    }
    if (source) console.log(source);
    console.log(`load average after: ${formatLoad()}`);
    if (o.rssSteps > 0) {
      const r = runWorker(["native", "bmlp", String(o.rssSteps), "0", "100"], o.threads);
      const samples = r.rss ?? [];
      const first = samples.find(([s]) => s >= 100) ?? samples[0];
      const last = samples[samples.length - 1];
      console.log(
        `\nRSS over ${o.rssSteps} native bmlp steps (MB at step): ${samples.map(([s, m]) => `${s}:${m.toFixed(0)}`).join(" ")}`,
      );
      console.log(
        `  growth from step ${first[0]} to ${last[0]}: ${(last[1] - first[1]).toFixed(1)} MB ` +
          `(${(((last[1] - first[1]) * 1024) / Math.max(1, last[0] - first[0])).toFixed(1)} KB/step); peak ${r.peakRssMb.toFixed(0)} MB`,
      );
    }
  } finally {
    batchFile.cleanup();
  }
}

/** 1, 5 and 15-minute load averages, and the core count they compare with. */
function formatLoad(): string {
  return `${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} on ${availableParallelism()} cores`;
}

/** Median of the runs' medians (and the largest peak RSS); lists every run's wall figure. */
function combine(runs: WorkerResult[]): WorkerResult & { runs: string } {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  };
  return {
    ...runs[0],
    msPerStep: median(runs.map((r) => r.msPerStep)),
    cpuMsPerStep: median(runs.map((r) => r.cpuMsPerStep)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    runs: runs.map((r) => r.msPerStep.toFixed(1)).join(", "),
  };
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    steps: 30,
    portableSteps: 5,
    portable: true,
    warmup: 3,
    threads: availableParallelism(),
    models: ["bmlp", "bcnn"],
    rssSteps: 1000,
    repeat: 1,
  };
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === "--no-portable") {
      o.portable = false;
      i--;
      continue;
    }
    const [flag, raw] = [args[i], args[i + 1] ?? ""];
    const value = Number(raw);
    const count = Number.isInteger(value) && value >= 0;
    if (flag === "--steps" && count && value > 0) o.steps = value;
    else if (flag === "--portable-steps" && count && value > 0) o.portableSteps = value;
    else if (flag === "--warmup" && count) o.warmup = value;
    else if (flag === "--threads" && count && value > 0) o.threads = value;
    else if (flag === "--rss-steps" && count) o.rssSteps = value;
    else if (flag === "--repeat" && count && value > 0) o.repeat = value;
    else if (flag === "--models" && raw.split(",").every((m) => MODELS.has(m))) o.models = raw.split(",");
    else throw new BamsprodError(`bench train: unknown or invalid option ${flag} ${raw}`);
  }
  return o;
}

function report(
  model: string,
  native: WorkerResult & { runs: string },
  portable: WorkerResult | null,
  torch: (WorkerResult & { runs: string }) | null,
): void {
  const line = (r: WorkerResult, runs?: string) =>
    `  ${r.engine.padEnd(9)} ${r.msPerStep.toFixed(1).padStart(8)} ms/step wall ${r.cpuMsPerStep.toFixed(1).padStart(8)} ms/step CPU` +
    `  peak RSS ${r.peakRssMb.toFixed(0).padStart(4)} MB${runs !== undefined && runs.includes(",") ? `  (runs: ${runs})` : ""}` +
    (r.note !== undefined ? `  ${r.note}` : "");
  console.log(`\n${model}`);
  console.log(line(native, native.runs));
  if (portable) console.log(line(portable));
  if (torch) console.log(line(torch, torch.runs));
  const ratios: string[] = [];
  if (torch) {
    ratios.push(
      `ours(native)/PyTorch ${(native.msPerStep / torch.msPerStep).toFixed(2)} wall, ` +
        `${(native.cpuMsPerStep / torch.cpuMsPerStep).toFixed(2)} CPU (target, issue #14: <= 0.6 on AVX2 CPUs)`,
    );
  }
  if (portable) ratios.push(`native/portable ${(native.msPerStep / portable.msPerStep).toFixed(3)}`);
  if (ratios.length > 0) console.log(`  ${ratios.join("; ")}`);
}

function runWorker(args: string[], threads: number): WorkerResult {
  const run = spawnSync(process.execPath, [join(here, "run.js"), "train", "--worker", ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      BAMSPROD_THREADS: String(threads),
      BAMSPROD_KERNELS: args[0],
      OPENBLAS_NUM_THREADS: String(threads),
    },
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) throw new Error(`bench train: worker ${args.join(" ")} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as WorkerResult;
}

/**
 * The first Python that imports torch: $BAMSPROD_PYTHON, python3 on the PATH, or Debian's
 * /usr/bin/python3 (where python3-torch installs, when a pyenv python3 shadows it).
 */
function torchAvailable(): { ok: boolean; reason: string; python: string } {
  const candidates = [process.env.BAMSPROD_PYTHON, "python3", "/usr/bin/python3"].filter(
    (p): p is string => !!p,
  );
  for (const python of candidates) {
    const run = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (run.status === 0) return { ok: true, reason: `torch ${run.stdout.trim()} (${python})`, python };
  }
  return { ok: false, reason: "python3-torch not installed (apt-get install python3-torch)", python: "" };
}

function runTorch(
  python: string,
  model: string,
  o: Options,
  batchFile: string,
  waitPolicy: "active" | "passive",
): WorkerResult {
  const script = join(root, "bench/pytorch_train.py");
  const run = spawnSync(
    python,
    [
      script,
      "--model",
      model,
      "--steps",
      String(o.steps),
      "--warmup",
      String(o.warmup),
      "--threads",
      String(o.threads),
      "--batches",
      batchFile,
    ],
    {
      encoding: "utf8",
      maxBuffer: 16 << 20,
      // torch.set_num_threads sets OpenMP's count; OpenBLAS (its BLAS here) reads its own variable.
      env: {
        ...process.env,
        OMP_NUM_THREADS: String(o.threads),
        OPENBLAS_NUM_THREADS: String(o.threads),
        OMP_WAIT_POLICY: waitPolicy,
      },
    },
  );
  if (run.status !== 0) throw new Error(`bench train: ${script} failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as WorkerResult;
  return o.threads > 1 ? { ...result, note: `OMP_WAIT_POLICY=${waitPolicy}` } : result;
}

/** The first `count` shuffled training batches as raw bytes (pixels then labels), for PyTorch. */
function writeBatches(count: number): { path: string; cleanup: () => void } {
  const data = loadFashionMnist();
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-bench-"));
  const path = join(dir, "batches.bin");
  const parts: Uint8Array[] = [];
  let taken = 0;
  for (const b of batches(data.train, BATCH, { shuffle: true, seed: 1, epoch: 0 })) {
    if (b.size < BATCH || taken === count) break;
    parts.push(Uint8Array.from(b.x.subarray(0, BATCH * 784)), Uint8Array.from(b.y.subarray(0, BATCH)));
    taken++;
  }
  writeFileSync(path, Buffer.concat(parts));
  return { path, cleanup: () => existsSync(dir) && rmSync(dir, { recursive: true, force: true }) };
}

/** One configuration: [kernels, model, steps, warmup, rssEvery]. */
async function worker(args: string[]): Promise<void> {
  const [kernelName, modelName, stepsRaw, warmupRaw, rssEveryRaw] = args;
  const { backend, notice } = chooseBackend();
  setBackend(backend);
  process.stderr.write(`${notice}\n`);
  const steps = Number(stepsRaw);
  const warmup = Number(warmupRaw);
  const rssEvery = Number(rssEveryRaw);
  const data = loadFashionMnist();
  const model = buildModel(modelName, {
    inputShape: [...data.train.shape],
    classes: data.train.classes,
    seed: 1,
  });
  const optimizer = createOptimizer("bamsprod", { lr: 1e-3 });
  const params = model.parameters();
  const stepParams = optimizerParams(model);
  const rng = new Rng(1);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const rss: [number, number][] = [];
  let done = 0;
  for (let epoch = 0; done < warmup + steps; epoch++) {
    for (const b of batches(data.train, BATCH, { shuffle: true, seed: 1, epoch })) {
      if (b.size < BATCH || done === warmup + steps) break;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const x = new Tensor(b.x.subarray(0, BATCH * 784), [BATCH, ...data.train.shape]);
      for (const p of params) p.tensor.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(x, { training: true, rng }), b.y.subarray(0, BATCH));
      backward(loss);
      optimizer.step(stepParams);
      loss.item();
      releaseGraph(loss); // as fit does
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      done++;
      if (done > warmup) {
        times.push(ms);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
      }
      if (rssEvery > 0 && done % rssEvery === 0) rss.push([done, process.memoryUsage.rss() / 2 ** 20]);
    }
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const result: WorkerResult = {
    engine: kernelName,
    model: modelName,
    msPerStep: times[Math.floor(times.length / 2)],
    cpuMsPerStep: cpuTimes[Math.floor(cpuTimes.length / 2)],
    steps,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    data: data.source,
    ...(rssEvery > 0 ? { rss } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
