/**
 * Training speed, side by side in one run: `npm run bench -- train [--steps 30] [--threads N]
 * [--models bmlp,bcnn] [--rss-steps 1000] [--portable-steps 5]`.
 *
 * Trains bmlp and bcnn on Fashion-MNIST batches of 128 with BAMSProd for a fixed number of
 * steps, each configuration in its own process so that peak memory is its own: our engine with
 * the native kernels, with the portable kernels, and (when python3-torch is installed) the
 * same architecture and optimizer in PyTorch (bench/pytorch_train.py) on the same thread count
 * and the same batches. Prints milliseconds per step (median after warm-up), the ratios
 * ours/PyTorch and native/portable, and peak RSS. With --rss-steps N (default 1000, 0 to skip)
 * it also trains bmlp natively for N steps and reports resident memory along the way, which
 * must stay flat. The machine is shared: repeat a run before trusting a ratio near 1.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { batches, loadFashionMnist } from "../src/data/index.js";
import { setKernels } from "../src/kernels/index.js";
import { selectKernels } from "../src/kernels/select.js";
import { buildModel } from "../src/nn/index.js";
import { createOptimizer } from "../src/optim/index.js";
import { Tensor, backward, softmaxCrossEntropy } from "../src/tensor/index.js";
import { Rng } from "../src/util/random.js";

const BATCH = 128;
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

interface Options {
  steps: number;
  portableSteps: number;
  warmup: number;
  threads: number;
  models: string[];
  rssSteps: number;
}

/** What one worker process reports (printed as one JSON line). */
interface WorkerResult {
  engine: string;
  model: string;
  msPerStep: number;
  steps: number;
  peakRssMb: number;
  /** [step, rss MB] samples (the RSS run only). */
  rss?: [number, number][];
  data?: string;
}

export default async function (args: string[]): Promise<void> {
  if (args[0] === "--worker") return worker(args.slice(1));
  const o = parseArgs(args);
  const batchFile = writeBatches(10);
  try {
    const torch = torchAvailable();
    console.log(
      `bench train: batch ${BATCH}, BAMSProd, ${o.threads} thread(s), ${o.steps} timed steps after ${o.warmup} warm-up ` +
        `(portable: ${o.portableSteps}); ms per step is the median step`,
    );
    console.log(torch.ok ? `PyTorch: ${torch.reason}` : `PyTorch: skipped (${torch.reason})`);
    const rows: WorkerResult[] = [];
    for (const model of o.models) {
      const native = runWorker(["native", model, String(o.steps), String(o.warmup), "0"], o.threads);
      const portable = runWorker(["portable", model, String(o.portableSteps), "1", "0"], o.threads);
      const pytorch = torch.ok ? runTorch(torch.python, model, o, batchFile.path) : null;
      rows.push(native, portable, ...(pytorch ? [pytorch] : []));
      report(model, native, portable, pytorch);
    }
    if (rows[0]?.data) console.log(rows[0].data);
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

function parseArgs(args: string[]): Options {
  const o: Options = {
    steps: 30,
    portableSteps: 5,
    warmup: 3,
    threads: availableParallelism(),
    models: ["bmlp", "bcnn"],
    rssSteps: 1000,
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, raw] = [args[i], args[i + 1] ?? ""];
    const value = Number(raw);
    const count = Number.isInteger(value) && value >= 0;
    if (flag === "--steps" && count && value > 0) o.steps = value;
    else if (flag === "--portable-steps" && count && value > 0) o.portableSteps = value;
    else if (flag === "--warmup" && count) o.warmup = value;
    else if (flag === "--threads" && count && value > 0) o.threads = value;
    else if (flag === "--rss-steps" && count) o.rssSteps = value;
    else if (flag === "--models" && raw.split(",").every((m) => m === "bmlp" || m === "bcnn"))
      o.models = raw.split(",");
    else throw new Error(`bench train: unknown or invalid option ${flag} ${raw}`);
  }
  return o;
}

function report(
  model: string,
  native: WorkerResult,
  portable: WorkerResult,
  torch: WorkerResult | null,
): void {
  const line = (r: WorkerResult) =>
    `  ${r.engine.padEnd(9)} ${r.msPerStep.toFixed(1).padStart(9)} ms/step  peak RSS ${r.peakRssMb.toFixed(0).padStart(5)} MB`;
  console.log(`\n${model}`);
  console.log(line(native));
  console.log(line(portable));
  if (torch) console.log(line(torch));
  const ratios = [`native/portable ${(native.msPerStep / portable.msPerStep).toFixed(3)}`];
  if (torch)
    ratios.unshift(`ours(native)/PyTorch ${(native.msPerStep / torch.msPerStep).toFixed(2)} (target <= 1.0)`);
  console.log(`  ${ratios.join("; ")}`);
}

function runWorker(args: string[], threads: number): WorkerResult {
  const run = spawnSync(process.execPath, [join(here, "run.js"), "train", "--worker", ...args], {
    encoding: "utf8",
    env: { ...process.env, BAMSPROD_THREADS: String(threads), BAMSPROD_KERNELS: args[0] },
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

function runTorch(python: string, model: string, o: Options, batchFile: string): WorkerResult {
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
    { encoding: "utf8", maxBuffer: 16 << 20, env: { ...process.env, OMP_NUM_THREADS: String(o.threads) } },
  );
  if (run.status !== 0) throw new Error(`bench train: ${script} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as WorkerResult;
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
  const { kernels, notice } = selectKernels();
  setKernels(kernels);
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
  const stepParams = params.map((p) => ({
    name: p.name,
    value: p.tensor.data,
    grad: p.tensor.gradBuffer(),
    binary: p.binary,
  }));
  const rng = new Rng(1);
  const times: number[] = [];
  const rss: [number, number][] = [];
  let done = 0;
  for (let epoch = 0; done < warmup + steps; epoch++) {
    for (const b of batches(data.train, BATCH, { shuffle: true, seed: 1, epoch })) {
      if (b.size < BATCH || done === warmup + steps) break;
      const t0 = performance.now();
      const x = new Tensor(b.x.subarray(0, BATCH * 784), [BATCH, ...data.train.shape]);
      for (const p of params) p.tensor.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(x, { training: true, rng }), b.y.subarray(0, BATCH));
      backward(loss);
      optimizer.step(stepParams);
      model.applyConstraints();
      loss.item();
      const ms = performance.now() - t0;
      done++;
      if (done > warmup) times.push(ms);
      if (rssEvery > 0 && done % rssEvery === 0) rss.push([done, process.memoryUsage.rss() / 2 ** 20]);
    }
  }
  times.sort((a, b) => a - b);
  const result: WorkerResult = {
    engine: kernelName,
    model: modelName,
    msPerStep: times[Math.floor(times.length / 2)],
    steps,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    data: data.source,
    ...(rssEvery > 0 ? { rss } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
