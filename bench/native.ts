/**
 * Native kernels against the portable ones and against OpenBLAS, in one run:
 * `npm run bench -- native [--seconds 0.5] [--threads N] [--clock wall|cpu]`.
 *
 * 1. The bit-packed XNOR product against OpenBLAS sgemm on 1024x1024 times 1024x128 (target:
 *    at least 8x): packed operands (weights packed once per step, inputs once per layer), and
 *    from float32 operands (packing both inside the call).
 *    Then bcnn's packed classifier at 1, 32 and 256 rows on every path.
 * 2. gemm GFLOP/s, native vs portable, on the products of a bmlp step (batch 128).
 * 3. conv GFLOP/s (forward, backward input, backward filter), native vs portable, on the 3x3
 *    convolutions of bcnn (batch 128 native; the portable one at batch 16 to keep the run short,
 *    its rate barely depends on the batch).
 *    Rates count a direct convolution's multiply-adds, so the Winograd backward passes show
 *    an effective rate above OpenBLAS's.
 * 4. The backward passes by Winograd (F(4x4, 3x3) on large maps, F(2x2, 3x3) on the others)
 *    against F(2x2) throughout, F(4x4) throughout and im2col + GEMM (four child processes, run
 *    with BAMSPROD_CONV_PATH unset, =winograd2x2, =winograd4x4-all and =im2col), batch 128: bcnn's layers, ReActNet's
 *    7x7 layer, and 16x16 and 20x20 maps, either side of where F(4x4) starts.
 * 5. The XNOR convolution (binaryConv2dForward) against the float one (OpenBLAS im2col + sgemm)
 *    on bcnn's binary layers at batch 128: the forward pass of a layer whose input and kernel
 *    are both binarized.
 * 6. The compiler-vectorized loops (sign, straight-through gradient, batch-norm) on bcnn's
 *    largest activation, in every build this CPU runs (each in a child process, lower builds
 *    run with BAMSPROD_LOOP_PATH).
 * The machine is shared and has 2 cores: timings are noisy, compare the ratios.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { convGeometry, poolGeometry, portableKernels, setBackend } from "../src/kernels/index.js";
import type { ConvGeometry, Kernels } from "../src/kernels/index.js";
import { binaryGemmPacked, loadAddon, packSigns, type NativeAddon } from "../src/kernels/native/index.js";
import { chooseBackend, kernelInfo } from "../src/kernels/select.js";
import { Rng } from "../src/util/random.js";
import { BamsprodError } from "../src/util/errors.js";

interface Options {
  seconds: number;
  threads: number | null;
  clock: "wall" | "cpu";
  /** Only time one section and print it as JSON: a child process of benchWinograd or benchLoops. */
  only: "backward" | "loops" | null;
}

/**
 * What timeIt measures: wall-clock seconds, or the process's CPU seconds (user + system, all
 * threads), which on a busy shared machine leave out the time other processes held the core
 * (with one thread the fairer figure; with more it also counts spin-waiting).
 */
let clock: () => number = () => performance.now() / 1000;

export default async function (args: string[]): Promise<void> {
  const o = parseArgs(args);
  if (o.clock === "cpu") clock = () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  const env = o.threads === null ? process.env : { ...process.env, BAMSPROD_THREADS: String(o.threads) };
  const { backend, notice } = chooseBackend({ ...env, BAMSPROD_KERNELS: "native" });
  setBackend(backend);
  const native = backend.kernels;
  if (o.only !== null) {
    console.log(
      JSON.stringify(o.only === "backward" ? backwardTimes(native, o.seconds) : loopTimes(native, o.seconds)),
    );
    return;
  }
  console.log(notice);
  const info = kernelInfo();
  console.log(`threads ${info.threads}; ${info.blas?.config}; ${o.clock} clock`);
  console.log(
    `CPU ${cpus()[0]?.model ?? "unknown"}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  benchBinary(native, loadAddon().addon!, o.seconds);
  benchClassifier(loadAddon().addon!, o.seconds);
  benchGemm(native, o.seconds);
  benchConv(native, o.seconds);
  benchWinograd(o, env);
  benchBinaryConv(native, o.seconds);
  benchLoops(o, env);
}

function parseArgs(args: string[]): Options {
  const o: Options = { seconds: 0.5, threads: null, clock: "wall", only: null };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--only" && (args[i + 1] === "backward" || args[i + 1] === "loops"))
      o.only = args[i + 1] as "loops";
    else if (args[i] === "--seconds" && value > 0) o.seconds = value;
    else if (args[i] === "--threads" && Number.isInteger(value) && value > 0) o.threads = value;
    else if (args[i] === "--clock" && (args[i + 1] === "wall" || args[i + 1] === "cpu"))
      o.clock = args[i + 1] as "cpu";
    else throw new BamsprodError(`bench native: unknown or invalid option ${args[i]} ${args[i + 1] ?? ""}`);
  }
  return o;
}

/**
 * Median seconds per call over batches of calls: one warm-up call, then batches until
 * `seconds` have passed (at least 3 batches). The median resists other users' bursts.
 */
export function timeIt(f: () => void, seconds: number): number {
  f();
  const once = timeBatch(f, 1);
  const perBatch = Math.max(1, Math.round(0.02 / Math.max(once, 1e-7)));
  const samples: number[] = [];
  const start = clock();
  while (samples.length < 3 || clock() - start < seconds) samples.push(timeBatch(f, perBatch));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function timeBatch(f: () => void, reps: number): number {
  const t0 = clock();
  for (let i = 0; i < reps; i++) f();
  return (clock() - t0) / reps;
}

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng.uniform() - 1;
  return a;
}

const fmt = (seconds: number) =>
  seconds < 1e-3 ? `${(seconds * 1e6).toFixed(0)} us` : `${(seconds * 1e3).toFixed(2)} ms`;

/**
 * The popcount limit of each XNOR path in binary MACs (bits) per cycle per core, counting
 * one popcount instruction per cycle: scalar POPCNT 64 bits, AVX2's two-row nibble tables one
 * vpshufb per 2 rows x 32 columns x 4 bits (256), AVX-512 VPOPCNTQ 512 bits.
 */
const popcountLimit: Record<string, number> = { "avx512-vpopcntdq": 512, avx2: 256, popcnt: 64, generic: 64 };

/** The clock /proc/cpuinfo reports (nominal under a hypervisor), in Hz; null when unknown. */
function cpuHz(): number | null {
  try {
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return mhz === null ? null : Number(mhz[1]) * 1e6;
  } catch {
    return null;
  }
}

/** The XNOR paths this CPU runs (the addon refuses the others), leaving the best one in use. */
function xnorPaths(addon: NativeAddon): string[] {
  const best = kernelInfo().binaryPath!;
  const paths = Object.keys(popcountLimit).filter((p) => addon.setBinaryPath(p));
  addon.setBinaryPath(best);
  return paths;
}

/** The packed products on every XNOR path: the addon's dispatch control, not the backend's kernels. */
function benchBinary(native: Kernels, addon: NativeAddon, seconds: number): void {
  const [m, k, n] = [1024, 1024, 128];
  const rng = new Rng(1);
  const a = random(rng, m * k);
  const b = random(rng, k * n); // k x n for sgemm; read as n x k by the binary kernels
  const c = new Float32Array(m * n);
  const best = kernelInfo().binaryPath!;
  const paths = xnorPaths(addon);
  const pa = packSigns(addon, m, k, a);
  const pb = packSigns(addon, n, k, b);
  // Three alternating rounds, the fastest of each: other users' bursts only ever add time.
  const times = new Map<string, number>();
  const keep = (what: string, t: number) => times.set(what, Math.min(times.get(what) ?? Infinity, t));
  for (let round = 0; round < 3; round++) {
    keep(
      "NN",
      timeIt(() => native.gemm(false, false, m, n, k, 1, a, b, 0, c), seconds / 3),
    );
    keep(
      "NT",
      timeIt(() => native.gemm(false, true, m, n, k, 1, a, b, 0, c), seconds / 3),
    );
    for (const path of paths) {
      addon.setBinaryPath(path);
      keep(
        path,
        timeIt(() => binaryGemmPacked(addon, pa, pb, c), seconds / 3),
      );
    }
  }
  addon.setBinaryPath(best);
  const packWeights = timeIt(() => packSigns(addon, n, k, b, pb), seconds);
  const fromFloats = timeIt(() => native.binaryGemm(m, n, k, a, b, c), seconds);
  const sgemm = Math.min(times.get("NN")!, times.get("NT")!);
  const hz = cpuHz();
  const threads = kernelInfo().threads;
  console.log(
    `\nXNOR product vs OpenBLAS sgemm, ${m}x${k} times ${k}x${n} (best path ${best}, ${threads} threads)`,
  );
  console.log(
    `  sgemm (best of NN ${fmt(times.get("NN")!)}, NT ${fmt(times.get("NT")!)})  ${fmt(sgemm)}  ${((2 * m * n * k) / sgemm / 1e9).toFixed(0)} GFLOP/s`,
  );
  for (const path of paths) {
    const t = times.get(path)!;
    const perCycle =
      hz === null ? "" : `, ${((m * n * k) / t / threads / hz).toFixed(0)} binary MACs/cycle/core`;
    console.log(
      `  XNOR ${path.padEnd(17)} packed  ${fmt(t)}  ${(sgemm / t).toFixed(1)}x sgemm${perCycle} (popcount limit ${popcountLimit[path]})`,
    );
  }
  if (hz !== null)
    console.log(
      `  (cycles at the ${(hz / 1e6).toFixed(0)} MHz /proc/cpuinfo reports; target >= 8x on AVX2, >= 12x on AVX-512)`,
    );
  console.log(`  XNOR ${best}, packing both inside  ${fmt(fromFloats)}  ${(sgemm / fromFloats).toFixed(1)}x`);
  console.log(`  (packing the 128x1024 weights alone: ${fmt(packWeights)})`);
}

/**
 * bcnn's packed classifier (512 outputs of 3,136 signs) against 1, 32 and 256 rows of inputs,
 * on every XNOR path: where re-laying the weights (the AVX2 path does, on every call) pays.
 */
function benchClassifier(addon: NativeAddon, seconds: number): void {
  const [n, k] = [512, 3136];
  const rng = new Rng(2);
  const best = kernelInfo().binaryPath!;
  const paths = xnorPaths(addon);
  const pb = packSigns(addon, n, k, random(rng, n * k));
  console.log(`
XNOR product, bcnn's classifier (${n} x ${k} signs) by rows of inputs, per path`);
  console.log(`  ${"rows".padEnd(6)}${paths.map((p) => p.padStart(18)).join("")}`);
  for (const m of [1, 32, 256]) {
    const pa = packSigns(addon, m, k, random(rng, m * k));
    const c = new Float32Array(m * n);
    const cells = paths.map((path) => {
      addon.setBinaryPath(path);
      return fmt(timeIt(() => binaryGemmPacked(addon, pa, pb, c), seconds / 2)).padStart(18);
    });
    console.log(`  ${String(m).padEnd(6)}${cells.join("")}`);
  }
  addon.setBinaryPath(best);
}

function benchGemm(native: Kernels, seconds: number): void {
  console.log("\ngemm, bmlp products at batch 128     native GFLOP/s  portable GFLOP/s  native/portable");
  const cases: [string, boolean, boolean, number, number, number][] = [
    ["forward  x[128,784] w[512,784]^T", false, true, 128, 512, 784],
    ["dx       dy[128,512] w[512,784]", false, false, 128, 784, 512],
    ["dw       dy[128,512]^T x[128,784]", true, false, 512, 784, 128],
    ["forward  x[128,512] w[512,512]^T", false, true, 128, 512, 512],
  ];
  const rng = new Rng(2);
  for (const [label, ta, tb, m, n, k] of cases) {
    const a = random(rng, m * k);
    const b = random(rng, k * n);
    const c = new Float32Array(m * n);
    const tn = timeIt(() => native.gemm(ta, tb, m, n, k, 1, a, b, 0, c), seconds);
    const tp = timeIt(() => portableKernels.gemm(ta, tb, m, n, k, 1, a, b, 0, c), seconds);
    const flops = 2 * m * n * k;
    console.log(
      `  ${label.padEnd(34)} ${(flops / tn / 1e9).toFixed(1).padStart(10)} ${(flops / tp / 1e9).toFixed(2).padStart(17)} ${(tp / tn).toFixed(0).padStart(15)}x`,
    );
  }
}

/** bcnn's 3x3 pad-1 convolutions: input channels, height (= width), output channels. */
const BCNN_CONVS: [number, number, number][] = [
  [32, 28, 32],
  [32, 14, 64],
  [64, 14, 64],
];

/** The backward section's layers: bcnn's, ReActNet's 7x7 one, and maps either side of 20x20. */
const BACKWARD_CONVS: [number, number, number][] = [...BCNN_CONVS, [64, 7, 64], [64, 16, 64], [64, 20, 64]];

/** "x[batch,c,hw,hw] w[o,c,3,3]". */
function convLabel(batch: number | string, c: number, hw: number, o: number): string {
  return `x[${batch},${c},${hw},${hw}] w[${o},${c},3,3]`;
}

function benchConv(native: Kernels, seconds: number): void {
  console.log(
    "\nconv 3x3 pad 1 (bcnn layers)          pass      native GFLOP/s  portable GFLOP/s  native/portable",
  );
  console.log("  (a direct convolution's FLOPs per second: the Winograd backward passes do fewer)");
  const rng = new Rng(3);
  for (const [c, hw, o] of BCNN_CONVS) {
    const label = convLabel("N", c, hw, o);
    const rates = (kernels: Kernels, batch: number) => {
      const g = convGeometry([batch, c, hw, hw], [o, c, 3, 3], 1, 1);
      const x = random(rng, batch * c * hw * hw);
      const w = random(rng, o * c * 9);
      const y = new Float32Array(batch * o * g.outHeight * g.outWidth);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const flops = flopsOf(g);
      return [
        flops / timeIt(() => kernels.conv2dForward(x, w, g, y), seconds),
        flops / timeIt(() => kernels.conv2dBackwardInput(y, w, g, dx), seconds),
        flops / timeIt(() => kernels.conv2dBackwardFilter(x, y, g, dw), seconds),
      ];
    };
    const rn = rates(native, 128);
    const rp = rates(portableKernels, 16);
    ["forward", "back-input", "back-filter"].forEach((pass, i) => {
      console.log(
        `  ${(i === 0 ? label : "").padEnd(36)} ${pass.padEnd(11)} ${(rn[i] / 1e9).toFixed(1).padStart(10)} ${(rp[i] / 1e9).toFixed(2).padStart(17)} ${(rn[i] / rp[i]).toFixed(0).padStart(15)}x`,
      );
    });
  }
}

/** Seconds per call of each BACKWARD_CONVS layer's backward input and backward filter, batch 128. */
function backwardTimes(native: Kernels, seconds: number): { input: number; filter: number }[] {
  const rng = new Rng(5);
  return BACKWARD_CONVS.map(([c, hw, o]) => {
    const g = convGeometry([128, c, hw, hw], [o, c, 3, 3], 1, 1);
    const x = random(rng, 128 * c * hw * hw);
    const w = random(rng, o * c * 9);
    const dy = random(rng, 128 * o * hw * hw);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    return {
      input: timeIt(() => native.conv2dBackwardInput(dy, w, g, dx), seconds),
      filter: timeIt(() => native.conv2dBackwardFilter(x, dy, g, dw), seconds),
    };
  });
}

function benchWinograd(o: Options, env: NodeJS.ProcessEnv): void {
  console.log(
    "\nconv backward, Winograd (F(4x4) on maps of 20x20 and more, F(2x2) on the others) vs F(2x2) only, F(4x4) only and im2col + GEMM, batch 128 (bcnn's layers, ReActNet's 7x7, 16x16 and 20x20; each in a fresh child process)",
  );
  // All in children: this process's earlier sections leave its memory in a state that
  // measurably slows the same kernel (up to 40% on the 14x14 layers).
  const [im2col, f2, f4, winograd] = ["im2col", "winograd2x2", "winograd4x4-all", undefined].map(
    (conv) =>
      childSection("backward", o, { ...env, BAMSPROD_CONV_PATH: conv }) as ReturnType<typeof backwardTimes>,
  );
  console.log(`${" ".repeat(46)}    im2col    F(2x2)    F(4x4)  Winograd  vs im2col  vs F(2x2)  vs F(4x4)`);
  BACKWARD_CONVS.forEach(([c, hw, out], i) => {
    (["input", "filter"] as const).forEach((pass) => {
      const label = pass === "input" ? convLabel(128, c, hw, out) : "";
      const times = [im2col, f2, f4, winograd].map((t) => fmt(t[i][pass]).padStart(9)).join(" ");
      const ratios = [im2col, f2, f4]
        .map((t) => `${(t[i][pass] / winograd[i][pass]).toFixed(2)}x`.padStart(10))
        .join(" ");
      console.log(`  ${label.padEnd(34)} ${`back-${pass}`.padEnd(12)} ${times} ${ratios}`);
    });
  });
}

/** One section timed by a child process of this bench with `env` (lower paths read at load time). */
function childSection(only: "backward" | "loops", o: Options, env: NodeJS.ProcessEnv): unknown {
  const args = ["native", "--only", only, "--seconds", String(o.seconds), "--clock", o.clock];
  const child = spawnSync(process.execPath, [fileURLToPath(new URL("./run.js", import.meta.url)), ...args], {
    encoding: "utf8",
    env: { ...env, BAMSPROD_QUIET_KERNELS: "1" },
  });
  if (child.status !== 0) throw new Error(`bench native: the ${only} child failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() ?? "");
}

/** Seconds per call of the vectorized loops of a bcnn step, on its first activation. */
function loopTimes(native: Kernels, seconds: number): Record<string, number> {
  const rng = new Rng(6);
  const l = { batch: 128, channels: 32, spatial: 28 * 28 };
  const n = l.batch * l.channels * l.spatial;
  const x = random(rng, n).map((v) => 1.5 * v); // a third of |x| > 1: the STE mask varies
  const dy = random(rng, n);
  const out = new Float32Array(n);
  const perChannel = () => Float64Array.from({ length: l.channels }, () => rng.uniform());
  const [a, b, c, d] = [perChannel(), perChannel(), perChannel(), perChannel()];
  const pool = poolGeometry([l.batch, l.channels, 28, 28], 2, 2);
  const [pooled, argmax] = [new Float32Array(n / 4), new Int32Array(n / 4)];
  const alpha = random(rng, l.channels);
  const [dg, da, dz] = [
    new Float32Array(l.channels),
    new Float32Array(l.channels),
    new Float32Array(l.channels),
  ];
  // Random signs throughout: a data-dependent branch would be mispredicted, as on real activations.
  return {
    sign: timeIt(() => native.signForward(x, out), seconds),
    "straight-through gradient": timeIt(() => native.steBackward(x, dy, out), seconds),
    "batch-norm statistics": timeIt(() => native.batchNormStatistics(x, l, a, b), seconds),
    "batch-norm apply": timeIt(() => native.batchNormApply(x, l, c, d, out), seconds),
    "batch-norm input gradient": timeIt(
      () => native.batchNormInputGradient(x, dy, l, a, b, c, d, out),
      seconds,
    ),
    "max pooling 2x2 (one build)": timeIt(() => native.maxPoolForward(x, pool, pooled, argmax), seconds),
    "Bi-Real sign gradient": timeIt(() => native.approxSignBackward(x, dy, out), seconds),
    "RPReLU backward": timeIt(() => native.rpreluBackward(x, dy, l, alpha, out, dg, da, dz), seconds),
  };
}

/** The builds of the vectorized loops (native/vector_loops.h), best first. */
const LOOP_BUILDS = ["avx512", "avx2", "baseline"];

function benchLoops(o: Options, env: NodeJS.ProcessEnv): void {
  const best = kernelInfo().loopPath ?? "baseline";
  const builds = LOOP_BUILDS.slice(LOOP_BUILDS.indexOf(best));
  console.log(
    `\nvectorized loops on x[128, 32, 28, 28] (bcnn's first activation), each build this CPU runs, each in a fresh child process`,
  );
  const times = builds.map((build) => {
    const path = build === best ? env.BAMSPROD_LOOP_PATH : build;
    return childSection("loops", o, { ...env, BAMSPROD_LOOP_PATH: path }) as Record<string, number>;
  });
  console.log(`${" ".repeat(30)}${builds.map((b) => b.padStart(10)).join("")}`);
  for (const name of Object.keys(times[0]))
    console.log(`  ${name.padEnd(28)}${times.map((t) => fmt(t[name]).padStart(10)).join("")}`);
}

function benchBinaryConv(native: Kernels, seconds: number): void {
  console.log(
    `\nXNOR conv (path ${kernelInfo().binaryPath}) vs float conv, 3x3 pad 1, batch 128 (bcnn's binary layers)`,
  );
  console.log(`${" ".repeat(60)}    float      XNOR  speed-up  binary MACs/cycle/core`);
  const hz = cpuHz();
  const threads = kernelInfo().threads;
  const rng = new Rng(4);
  for (const [c, hw, o] of BCNN_CONVS) {
    const label = convLabel(128, c, hw, o);
    const g = convGeometry([128, c, hw, hw], [o, c, 3, 3], 1, 1);
    const x = random(rng, 128 * c * hw * hw);
    const w = random(rng, o * c * 9);
    const y = new Float32Array(128 * o * hw * hw);
    const float = timeIt(() => native.conv2dForward(x, w, g, y), seconds);
    const xnor = timeIt(() => native.binaryConv2dForward(x, w, g, y), seconds);
    const perCycle = hz === null ? "" : (flopsOf(g) / 2 / xnor / threads / hz).toFixed(0);
    console.log(
      `  ${label.padEnd(58)} ${fmt(float).padStart(9)} ${fmt(xnor).padStart(9)} ${(float / xnor).toFixed(1).padStart(9)}x ${perCycle.padStart(10)}`,
    );
  }
}

function flopsOf(g: ConvGeometry): number {
  return 2 * g.batch * g.outChannels * g.outHeight * g.outWidth * g.inChannels * g.kernelH * g.kernelW;
}
