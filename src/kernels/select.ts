/**
 * Start-up choice of kernels: the native addon when it loads, the portable TypeScript kernels
 * otherwise, with a one-line notice saying which and why. `BAMSPROD_KERNELS=portable|native`
 * forces one; `BAMSPROD_THREADS=N` sets the thread count (default: all cores).
 *
 * @example
 * const { kernels, notice } = selectKernels();
 * setKernels(kernels);
 * console.error(notice);
 */
import { availableParallelism } from "node:os";
import { BamsprodError, show } from "../util/errors.js";
import { getKernels, portableKernels } from "./index.js";
import type { Kernels } from "./kernels.js";
import { loadAddon } from "./native/addon.js";
import type { AddonLoad, NativeAddon } from "./native/addon.js";
import { createNativeKernels } from "./native/kernels.js";
import { createNativeOptimizerSteps } from "./native/optim.js";
import type { NativeOptimizerSteps } from "./native/optim.js";

/** The chosen kernels and one line (no trailing newline) for stderr. */
export interface KernelSelection {
  kernels: Kernels;
  notice: string;
}

/** One frozen Kernels object per addon, so repeated selections return the same object. */
const nativeKernels = new WeakMap<NativeAddon, Kernels>();

/**
 * Chooses the kernels from the environment (default `process.env`) and, for the native ones,
 * applies the thread count. Does not install them: pass `kernels` to `setKernels`. `load`
 * replaces the addon loader (tests use it to simulate a machine without the addon).
 * @throws BamsprodError when BAMSPROD_KERNELS or BAMSPROD_THREADS is invalid, or when
 *   BAMSPROD_KERNELS=native but the addon cannot be loaded.
 */
export function selectKernels(
  env: NodeJS.ProcessEnv = process.env,
  load: () => AddonLoad = loadAddon,
): KernelSelection {
  const forced = env.BAMSPROD_KERNELS?.trim().toLowerCase() || undefined;
  if (forced !== undefined && forced !== "portable" && forced !== "native") {
    throw new BamsprodError(
      `BAMSPROD_KERNELS is ${show(env.BAMSPROD_KERNELS)}; set it to "portable" or "native", or unset it to choose automatically`,
    );
  }
  const threads = threadsFromEnv(env);
  if (forced === "portable") {
    return {
      kernels: portableKernels,
      notice: "bamsprod: using portable kernels (BAMSPROD_KERNELS=portable)",
    };
  }
  const loaded = load();
  if (loaded.addon === null) {
    if (forced === "native") {
      throw new BamsprodError(
        `BAMSPROD_KERNELS=native but the native kernels are unavailable: ${loaded.reason}; ` +
          "or unset BAMSPROD_KERNELS to use the portable kernels",
      );
    }
    return {
      kernels: portableKernels,
      notice: `bamsprod: using portable kernels (native kernels unavailable: ${loaded.reason})`,
    };
  }
  loaded.addon.setThreads(threads);
  let kernels = nativeKernels.get(loaded.addon);
  if (kernels === undefined) {
    kernels = createNativeKernels(loaded.addon);
    nativeKernels.set(loaded.addon, kernels);
  }
  const info = loaded.addon.info();
  const why = forced === "native" ? "BAMSPROD_KERNELS=native" : "addon loaded";
  return {
    kernels,
    notice: `bamsprod: using native kernels (${why}; OpenBLAS ${info.blasCore}, ${threads} thread${threads === 1 ? "" : "s"}, XNOR path ${info.binaryPath})`,
  };
}

/**
 * Sets the threads the native kernels use (OpenBLAS and the addon's pool); no effect on the
 * portable kernels, which are single-threaded.
 * @throws BamsprodError when `threads` is not a positive integer.
 */
export function setKernelThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new BamsprodError(`thread count must be an integer from 1 to 1024, got ${show(threads)}`);
  }
  const load = loadAddon();
  if (load.addon !== null) load.addon.setThreads(threads);
}

/** What `bamsprod info` prints about the kernels. */
export interface KernelInfo {
  /** Name of the kernels in use ("native" or "portable"). */
  kernels: string;
  /** Threads the kernels in use run on. */
  threads: number;
  /** Whether the native addon loaded, and if not, why. */
  native: { available: true; path: string } | { available: false; reason: string };
  /** BLAS details when the native addon is loaded. */
  blas: { config: string; core: string; threads: number } | null;
  /** XNOR/popcount code path of the native binary kernels, or null. */
  binaryPath: string | null;
}

/** Describes the kernels in use (see {@link getKernels}) and the native addon's state. */
export function kernelInfo(): KernelInfo {
  const active = getKernels().name;
  const load = loadAddon();
  if (load.addon === null) {
    return {
      kernels: active,
      threads: 1,
      native: { available: false, reason: load.reason },
      blas: null,
      binaryPath: null,
    };
  }
  const info = load.addon.info();
  return {
    kernels: active,
    threads: active === "native" ? info.threads : 1,
    native: { available: true, path: load.path },
    blas: { config: info.blasConfig, core: info.blasCore, threads: info.blasThreads },
    binaryPath: info.binaryPath,
  };
}

/** The loaded addon, or null (for the packed binary products). */
export function nativeAddon(): NativeAddon | null {
  return loadAddon().addon;
}

let optimizerSteps: NativeOptimizerSteps | undefined;

/**
 * The fused native optimizer updates while the native kernels are in use (see
 * {@link getKernels}), else null, so BAMSPROD_KERNELS=portable also keeps the optimizers in
 * TypeScript. Optimizers call this in `updateTensor` and fall back to their own loop.
 */
export function nativeOptimizerSteps(): NativeOptimizerSteps | null {
  if (getKernels().name !== "native") return null;
  const addon = loadAddon().addon;
  if (addon === null) return null;
  optimizerSteps ??= createNativeOptimizerSteps(addon);
  return optimizerSteps;
}

function threadsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.BAMSPROD_THREADS?.trim();
  if (raw === undefined || raw === "") return availableParallelism();
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new BamsprodError(
      `BAMSPROD_THREADS is ${show(env.BAMSPROD_THREADS)}; set it to a whole number of threads from 1 to 1024, or unset it to use all cores`,
    );
  }
  return threads;
}
