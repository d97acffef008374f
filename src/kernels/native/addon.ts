/**
 * Loads the compiled Node-API addon (native/build/Release/bamsprod_native.node, built at
 * install time by scripts/build-native.js) and describes its raw functions. Loading never
 * throws: a missing or broken addon yields the reason, which start-up quotes when it falls
 * back to the portable kernels.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChannelLayout, ConvGeometry, PoolGeometry } from "../kernels.js";

/** What the addon reports about itself (see kernelInfo for the public view). */
export interface AddonInfo {
  /** Threads of the addon's worker pool, the calling thread included. */
  threads: number;
  /** OpenBLAS threads (openblas_get_num_threads). */
  blasThreads: number;
  /** openblas_get_config(), e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64". */
  blasConfig: string;
  /** openblas_get_corename(), the CPU kernel set OpenBLAS chose. */
  blasCore: string;
  /** XNOR/popcount code path: "avx512-vpopcntdq", "avx2", "popcnt" or "generic". */
  binaryPath: string;
  /** Vector loops of the fused optimizer updates: "avx512", "avx2" or "scalar". */
  optimPath: string;
  /** std::thread::hardware_concurrency(). */
  hardwareThreads: number;
}

/** The raw addon. Array arguments are used in place (never copied); sizes are checked natively. */
/** The scalars of an optimizer step (src/optim/adam.ts `AdamScalars`), passed as an object. */
export interface StepScalars {
  /** 1 - lr * weightDecay. */
  decay: number;
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** 1 / (1 - beta2^t). */
  invBc2: number;
  eps: number;
}

export interface NativeAddon {
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  conv2dForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, g: ConvGeometry, dx: Float32Array): void;
  conv2dBackwardFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry, dw: Float32Array): void;
  maxPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array, argmax: Int32Array): void;
  maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  avgPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array): void;
  avgPoolBackward(dy: Float32Array, g: PoolGeometry, dx: Float32Array): void;
  binaryGemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;
  binaryConv2dForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;
  /** The same convolution on packed signs: pixels [N, H, W, ceil(C/32)] words, bit set = -1. */
  binaryConv2dPixels(pixels: Uint32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;
  /** The signs as rows of `rowWords` words per image, in flattened (C, spatial) order. */
  thresholdRows(
    x: Float32Array,
    l: ChannelLayout,
    thresholds: Float32Array,
    flip: Uint8Array,
    rowWords: number,
    out: Uint32Array,
  ): void;
  /** -1 unless (x >= thresholds[c]) XOR flip[c], into the packed per-pixel layout above. */
  thresholdPixels(
    x: Float32Array,
    l: ChannelLayout,
    thresholds: Float32Array,
    flip: Uint8Array,
    out: Uint32Array,
  ): void;
  clipInPlace(x: Float32Array, bound: number): void;
  signForward(x: Float32Array, y: Float32Array): void;
  steBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  batchNormStatistics(x: Float32Array, l: ChannelLayout, mean: Float64Array, variance: Float64Array): void;
  batchNormApply(
    x: Float32Array,
    l: ChannelLayout,
    scale: Float64Array,
    shift: Float64Array,
    y: Float32Array,
  ): void;
  batchNormGradientSums(
    x: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    mean: Float64Array,
    invStd: Float64Array,
    sumDy: Float64Array,
    sumDyXhat: Float64Array,
  ): void;
  batchNormInputGradient(
    x: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    mean: Float64Array,
    k: Float64Array,
    meanDy: Float64Array,
    xCoef: Float64Array,
    dx: Float32Array,
  ): void;
  /** Sign bits of rows x k floats into 64-bit words stored as Uint32 pairs (2*ceil(k/64) per row). */
  packSigns(rows: number, k: number, src: Float32Array, dst: Uint32Array): void;
  binaryGemmPacked(m: number, n: number, k: number, a: Uint32Array, b: Uint32Array, c: Float32Array): void;
  /** Adam (vmax null) or AMSGrad update of one tensor; clip = Infinity for none. */
  adamUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array | null,
    s: StepScalars,
    clip: number,
  ): void;
  /** BAMSProd's read-only pass; returns the bad gradient entries, out <- [sum vmax, sum |x|, deviations]. */
  bamsprodInspect(
    x: Float32Array | null,
    g: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: StepScalars,
    limit: number,
    pivot: number,
    out: Float64Array,
  ): number;
  /** sum(||x*decay| - a|). */
  bamsprodDeviation(x: Float32Array, s: StepScalars, a: number): number;
  /** BAMSProd's update pass; returns sum |new x| for a binary tensor, else 0. */
  bamsprodApply(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    binary: boolean,
    s: StepScalars,
    lower: number,
    upper: number,
    clip: number,
  ): number;
  /** Entries of g that are NaN, infinite or beyond +-limit. */
  countBadGradients(g: Float32Array, limit: number): number;
  setThreads(threads: number): void;
  setBinaryPath(path: string): boolean;
  info(): AddonInfo;
}

/** Either the loaded addon or why it could not be loaded. */
export type AddonLoad = { addon: NativeAddon; path: string } | { addon: null; reason: string };

/** The package root: this file is build/src/kernels/native/addon.js. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Where scripts/build-native.js leaves the addon. */
export const addonPath = join(packageRoot, "native/build/Release/bamsprod_native.node");

let cached: AddonLoad | undefined;

/** Loads the addon once per process. */
export function loadAddon(): AddonLoad {
  cached ??= tryLoad();
  return cached;
}

function tryLoad(): AddonLoad {
  if (!existsSync(addonPath)) return { addon: null, reason: `addon not built: ${buildReason()}` };
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    // Every core until told otherwise (selectKernels applies BAMSPROD_THREADS).
    addon.setThreads(availableParallelism());
    return { addon, path: addonPath };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return {
      addon: null,
      reason: `addon failed to load: ${message}; rebuild it with \`npm run build:native\``,
    };
  }
}

/** The install-time build's own account of why it did not produce the addon. */
function buildReason(): string {
  try {
    const status = JSON.parse(readFileSync(join(packageRoot, "native/build/status.json"), "utf8")) as {
      reason?: unknown;
    };
    if (typeof status.reason === "string") return `${status.reason}; then run \`npm run build:native\``;
  } catch {
    // No status file: the install script never ran (e.g. installed with --ignore-scripts).
  }
  return "the install script did not run; build it with `npm run build:native` (needs g++, make and libopenblas-dev)";
}
