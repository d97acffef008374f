/**
 * `npm run bench -- optim [--params N] [--steps K] [--threads T]`: every optimizer on N
 * (default 10 million) parameters in a few tensors, some binary, once with the TypeScript loops
 * (portable kernels) and once with the native kernels when the addon loads (Adam, AMSGrad,
 * BAMSProd and Bop's real tensors update natively; every optimizer's gradient check runs
 * natively). Prints for each:
 * the median wall-clock time of a step (the native updates use every core, so wall time, not
 * CPU time), the bytes the step moves, that traffic per second as a share of a plain copy's,
 * and the time relative to Adam's in the same implementation. `--threads` sets the native
 * kernels' thread count (default: BAMSPROD_THREADS, else every core).
 *
 * Bytes are counted per pass, as the code runs them: each pass reads every array it reads and
 * writes every array it writes, once (it streams them through the core: a 40 MB array does not
 * stay in a core's 2 MB L2 from one pass to the next; small tensors are counted the same way). "Minimum" counts each array once (read, and written if updated):
 * the traffic of one ideal fused pass. The copy reference is Float32Array.set of each gradient
 * into an array of its size (read + write = 8 bytes per parameter). The optimizers and the copy
 * are stepped in rounds (each round: the copy, then one step of every optimizer), so that all
 * see the same load on a shared machine; medians over the rounds. "cpu ms" is the process's CPU
 * time (all threads) per step.
 */
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { getBackend, portableBackend, setBackend, type Backend } from "../src/kernels/index.js";
import { loadAddon } from "../src/kernels/native/addon.js";
import { chooseBackend } from "../src/kernels/select.js";
import { createOptimizer, optimizerNames, type OptimizerName, type ParamTensor } from "../src/optim/index.js";
import { Rng } from "../src/util/random.js";
import { BamsprodError } from "../src/util/errors.js";

/** One pass over a tensor: how many of its arrays (x, g, state) it reads and writes. */
interface Pass {
  reads: number;
  writes: number;
}

/** State arrays per tensor. */
function stateArrays(name: OptimizerName, binary: boolean): number {
  switch (name) {
    case "sgd":
      return 1; // momentum 0.9 below
    case "adam":
    case "adabound":
      return 2;
    case "bop":
      return binary ? 1 : 2;
    default:
      return 3; // amsgrad, amsbound, bamsprod
  }
}

/**
 * The passes a step makes over one tensor (see src/optim and native/optim.cc). `guessed`:
 * BAMSProd's native update knows mean(|x|) from the previous step (no weight decay).
 */
function passes(name: OptimizerName, native: boolean, binary: boolean, guessed: boolean): Pass[] {
  const k = stateArrays(name, binary);
  const fused = { reads: 2 + k, writes: 1 + k }; // x, g and the state in; x and the state out
  if (name !== "bamsprod") return [{ reads: 1, writes: 0 }, fused]; // gradient check, then one pass
  if (native) {
    // Check fused with the statistics (g, v, vmax in, and x if binary); for a binary tensor
    // whose mean |x| was not known from the last step, the deviations (x); then the update,
    // AMSGrad's fused pass. See src/optim/bamsprodFused.ts.
    return [
      { reads: binary ? 4 : 3, writes: 0 },
      ...(binary && !guessed ? [{ reads: 1, writes: 0 }] : []),
      fused,
    ];
  }
  // Check (g, and x if binary); statistics (g, m, v, vmax in, and x if binary; m, v, vmax out);
  // update (x, m, vmax in; x out). See src/optim/bamsprodTypescript.ts.
  return [
    { reads: binary ? 2 : 1, writes: 0 },
    { reads: binary ? 5 : 4, writes: 3 },
    { reads: 3, writes: 1 },
  ];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall-clock and CPU (all threads) milliseconds of one call. */
function time(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function parseArgs(args: string[]): { params: number; steps: number; threads: number | undefined } {
  const get = (flag: string, fallback: number): number => {
    const i = args.indexOf(flag);
    const value = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new BamsprodError(`bench optim: ${flag} needs a whole number >= 1`);
    return value;
  };
  const threads = args.includes("--threads") ? get("--threads", 1) : undefined;
  return { params: get("--params", 10_000_000), steps: get("--steps", 9), threads };
}

/** Tensor sizes: two large binary kernels, a real one, and small real ones (biases, batch-norm). */
function layout(total: number): { length: number; binary: boolean }[] {
  const big = Math.floor(total * 0.4);
  const small = Math.min(10_000, Math.floor(total * 0.01));
  return [
    { length: big, binary: true },
    { length: big, binary: true },
    { length: total - 2 * big - 2 * small, binary: false },
    { length: small, binary: false },
    { length: small, binary: false },
  ];
}

/**
 * The rows: every optimizer with default options, and BAMSProd twice more: with its bounds
 * binding, and with weight decay (natively, x is then read once more per step).
 */
const runs: {
  label: string;
  name: OptimizerName;
  options: { weightDecay?: number; gamma?: number; momentum?: number };
}[] = [
  ...optimizerNames.map((name) => ({ label: name, name, options: name === "sgd" ? { momentum: 0.9 } : {} })),
  // gamma = 1: by step 3 the bounds are within a factor ~2 of c and clamp many elements.
  { label: "bamsprod, gamma 1 (bounds binding)", name: "bamsprod", options: { gamma: 1 } },
  { label: "bamsprod, weight decay 1e-4", name: "bamsprod", options: { weightDecay: 1e-4 } },
];

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

interface Tensor {
  name: string;
  x0: Float32Array;
  grad: Float32Array;
  binary: boolean;
}

interface Result {
  impl: string;
  label: string;
  name: OptimizerName;
  /** Median wall-clock and CPU milliseconds per step. */
  ms: number;
  cpu: number;
  /** Median time of the copy reference, timed in the same rounds. */
  copyMs: number;
  bytes: number;
  minimum: number;
}

/** Bytes of the given passes over every tensor. */
function traffic(tensors: Tensor[], pick: (t: Tensor) => Pass[]): number {
  return tensors.reduce(
    (sum, t) => sum + pick(t).reduce((s, p) => s + 4 * t.x0.length * (p.reads + p.writes), 0),
    0,
  );
}

/**
 * Every optimizer on its own copy of the parameters, stepped in rounds: each round times the
 * copy reference once and one step of every optimizer, so that all of them see the same load
 * (other jobs on the machine come and go). Medians over `steps` rounds after 2 warm-up rounds.
 */
function runAll(
  impl: string,
  backend: Backend,
  tensors: Tensor[],
  steps: number,
  copy: () => void,
): Result[] {
  setBackend(backend);
  const optimizers = runs.map((run) => ({
    optimizer: createOptimizer(run.name, run.options),
    params: tensors.map(({ name, x0, grad, binary }): ParamTensor => ({
      name,
      value: x0.slice(),
      grad,
      binary,
    })),
    wall: [] as number[],
    cpu: [] as number[],
  }));
  const copyMs: number[] = [];
  for (let round = 0; round < steps + 2; round++) {
    const c = time(copy);
    if (round >= 2) copyMs.push(c.wall);
    for (const o of optimizers) {
      const t = time(() => o.optimizer.step(o.params));
      if (round >= 2) {
        o.wall.push(t.wall);
        o.cpu.push(t.cpu);
      }
    }
  }
  return runs.map((run, i) => ({
    impl,
    label: run.label,
    name: run.name,
    ms: median(optimizers[i].wall),
    cpu: median(optimizers[i].cpu),
    copyMs: median(copyMs),
    bytes: traffic(tensors, (t) => passes(run.name, impl === "native", t.binary, !run.options.weightDecay)),
    minimum: traffic(tensors, (t) => {
      const k = stateArrays(run.name, t.binary);
      return [{ reads: 2 + k, writes: 1 + k }];
    }),
  }));
}

export default async function bench(args: string[]): Promise<void> {
  const { params, steps, threads } = parseArgs(args);
  const previous = getBackend();
  const load0 = loadavg();
  const rng = new Rng(1);
  const tensors: Tensor[] = layout(params).map(({ length, binary }, i) => {
    const x0 = new Float32Array(length);
    const g = new Float32Array(length);
    for (let j = 0; j < length; j++) {
      x0[j] = 2 * rng.uniform() - 1;
      g[j] = 0.01 * rng.normal();
    }
    return { name: `t${i}`, x0, grad: g, binary };
  });

  // The copy reference: each gradient copied into an array of its size (8 bytes per parameter).
  const scratch = tensors.map((t) => new Float32Array(t.grad.length));
  const copy = (): void => tensors.forEach((t, i) => scratch[i].set(t.grad));
  const copyBytes = 2 * 4 * params;

  const results = runAll("TypeScript", portableBackend, tensors, steps, copy);
  const addon = loadAddon();
  let nativeNote = "";
  if (addon.addon !== null) {
    const env: NodeJS.ProcessEnv = { ...process.env, BAMSPROD_KERNELS: "native" };
    if (threads !== undefined) env.BAMSPROD_THREADS = String(threads);
    const { backend, notice } = chooseBackend(env);
    nativeNote = notice.replace(/^bamsprod: using /, "");
    results.push(...runAll("native", backend, tensors, steps, copy));
  } else {
    nativeNote = `unavailable (${addon.reason})`;
  }
  setBackend(previous);
  const load1 = loadavg();

  const copyMs = median(results.map((r) => r.copyMs));
  console.log(
    `optim bench: ${params.toLocaleString("en-US")} parameters in ${tensors.length} tensors ` +
      `(${tensors.filter((t) => t.binary).length} binary); median wall time of ${steps} rounds (one step of every optimizer each) after 2 warm-up rounds.\n` +
      `Native: ${nativeNote}.\n` +
      `Copy reference: Float32Array.set of every gradient into an array of its size (read + write, ` +
      `${(copyBytes / 1e6).toFixed(0)} MB), timed in every round of steps: median ${copyMs.toFixed(1)} ms ` +
      `= ${(copyBytes / (copyMs / 1000) / 1e9).toFixed(1)} GB/s; "% of copy" compares with the copy time of the same rounds.\n` +
      `Load average (1 min) ${load0[0].toFixed(1)} at the start, ${load1[0].toFixed(1)} at the end, on ` +
      `${availableParallelism()} cores: timings on a shared machine are noisy.\n`,
  );
  const adamMs = (impl: string): number =>
    results.find((r) => r.impl === impl && r.name === "adam")?.ms ?? NaN;
  /** Traffic per second as a share of the copy's, both timed in the same row. */
  const share = (bytes: number, r: Result): string =>
    `${((100 * bytes) / r.ms / (copyBytes / r.copyMs)).toFixed(0)}%`;
  printTable(
    [
      "implementation / optimizer",
      "ms/step",
      "cpu ms",
      "MB/step",
      "GB/s",
      "copy ms",
      "% of copy",
      "min MB",
      "% of copy (min)",
      "x Adam",
    ],
    results.map((r) => [
      `${r.impl} ${r.label}`,
      r.ms.toFixed(1),
      r.cpu.toFixed(1),
      (r.bytes / 1e6).toFixed(0),
      (r.bytes / (r.ms / 1000) / 1e9).toFixed(1),
      r.copyMs.toFixed(1),
      share(r.bytes, r),
      (r.minimum / 1e6).toFixed(0),
      share(r.minimum, r),
      (r.ms / adamMs(r.impl)).toFixed(2),
    ]),
  );
  for (const impl of ["TypeScript", "native"]) {
    const b = results.find((r) => r.impl === impl && r.label === "bamsprod");
    if (b === undefined) continue;
    console.log(
      `\n${impl} BAMSProd: ${share(b.bytes, b)} of copy bandwidth counting every pass ` +
        `(${share(b.minimum, b)} counting each array once; target >= 50%), ` +
        `${(b.ms / adamMs(impl)).toFixed(2)}x Adam (target <= 1.5x).`,
    );
  }
}
