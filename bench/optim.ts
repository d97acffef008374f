/**
 * `npm run bench -- optim [--params N] [--steps K]`: every optimizer on N (default 10 million)
 * parameters in a few tensors, some binary. Prints the median time per step, the bytes each
 * step must move (every array read once, each updated array written once: x, g and the state
 * arrays), that traffic per second against a plain copy measured in the same run, and each
 * optimizer's time relative to Adam. Targets: BAMSProd >= 50% of copy bandwidth, <= 1.5x Adam.
 *
 * Both wall-clock and CPU time are measured; the ratios use CPU time, which other processes
 * on a shared machine disturb less (the loops are single-threaded).
 */
import { performance } from "node:perf_hooks";
import { createOptimizer, optimizerNames, type OptimizerName, type ParamTensor } from "../src/optim/index.js";
import { Rng } from "../src/util/random.js";

/** State arrays per tensor (each is read and written once per step). */
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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall and CPU milliseconds of `repeats` calls, after 2 warm-up calls. */
function measure(fn: () => void, repeats: number): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats + 2; r++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    fn();
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    if (r >= 2) {
      wall.push(w);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function parseArgs(args: string[]): { params: number; steps: number } {
  const get = (flag: string, fallback: number): number => {
    const i = args.indexOf(flag);
    const value = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} needs a whole number >= 1`);
    return value;
  };
  return { params: get("--params", 10_000_000), steps: get("--steps", 7) };
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

/** The rows: every optimizer with default options, and BAMSProd once more with its bounds binding. */
const runs: { label: string; name: OptimizerName; options: object }[] = [
  ...optimizerNames.map((name) => ({ label: name, name, options: name === "sgd" ? { momentum: 0.9 } : {} })),
  // gamma = 1: by step 3 the bounds are within a factor ~2 of c and clamp many elements.
  { label: "bamsprod, gamma 1 (bounds binding)", name: "bamsprod", options: { gamma: 1 } },
];

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padStart(widths[c])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

export default async function bench(args: string[]): Promise<void> {
  const { params, steps } = parseArgs(args);
  const rng = new Rng(1);
  const tensors = layout(params).map(({ length, binary }, i) => {
    const x0 = new Float32Array(length);
    const g = new Float32Array(length);
    for (let j = 0; j < length; j++) {
      x0[j] = 2 * rng.uniform() - 1;
      g[j] = 0.01 * rng.normal();
    }
    return { name: `t${i}`, x0, value: new Float32Array(length), grad: g, binary };
  });

  const src = new Float32Array(params).fill(1);
  const dst = new Float32Array(params);
  const memcpy = measure(() => dst.set(src), steps);
  const loop = measure(() => {
    for (let j = 0; j < params; j++) dst[j] = src[j];
  }, steps);
  const copyBytes = 2 * 4 * params; // read + write
  const copyBandwidth = copyBytes / (memcpy.cpu / 1000);
  console.log(
    `optim bench: ${params.toLocaleString("en-US")} parameters in ${tensors.length} tensors ` +
      `(${tensors.filter((t) => t.binary).length} binary), median of ${steps} steps after 2 warm-up steps.`,
  );
  console.log(
    `Copy of ${params} floats (read + write): Float32Array.set ${memcpy.wall.toFixed(1)} ms wall, ` +
      `${memcpy.cpu.toFixed(1)} ms cpu = ${(copyBandwidth / 1e9).toFixed(2)} GB/s (the reference); ` +
      `JS loop ${loop.wall.toFixed(1)} ms wall, ${loop.cpu.toFixed(1)} ms cpu = ` +
      `${(copyBytes / (loop.cpu / 1000) / 1e9).toFixed(2)} GB/s.\n`,
  );

  const results: { label: string; wall: number; cpu: number; bytes: number }[] = [];
  for (const run of runs) {
    for (const t of tensors) t.value.set(t.x0);
    const optimizer = createOptimizer(run.name, run.options);
    const list: ParamTensor[] = tensors.map(({ name, value, grad, binary }) => ({
      name,
      value,
      grad,
      binary,
    }));
    const time = measure(() => optimizer.step(list), steps);
    // Reads of x, g and k state arrays, writes of x and the k state arrays.
    const bytes = tensors.reduce(
      (sum, t) => sum + 4 * t.value.length * (3 + 2 * stateArrays(run.name, t.binary)),
      0,
    );
    results.push({ label: run.label, ...time, bytes });
  }

  const adam = results.find((r) => r.label === "adam")?.cpu ?? NaN;
  const share = (r: { cpu: number; bytes: number }): number => r.bytes / (r.cpu / 1000) / copyBandwidth;
  printTable(
    ["optimizer", "wall ms/step", "cpu ms/step", "MB/step", "GB/s (cpu)", "% of copy", "x Adam (cpu)"],
    results.map((r) => [
      r.label,
      r.wall.toFixed(1),
      r.cpu.toFixed(1),
      (r.bytes / 1e6).toFixed(0),
      (r.bytes / (r.cpu / 1000) / 1e9).toFixed(2),
      `${(100 * share(r)).toFixed(0)}%`,
      (r.cpu / adam).toFixed(2),
    ]),
  );
  const b = results.find((r) => r.label === "bamsprod");
  if (b !== undefined) {
    console.log(
      `\nBAMSProd: ${(100 * share(b)).toFixed(0)}% of copy bandwidth (target >= 50%), ` +
        `${(b.cpu / adam).toFixed(2)}x Adam (target <= 1.5x). Shared 2-core machine: timings are noisy.`,
    );
  }
}
