/**
 * The start-up choice of backend, for Node (the CLI and `import "bamsprod"` both use it): the
 * native backend when its addon loads, the portable one otherwise, with a one-line notice
 * saying which and why. `BAMSPROD_KERNELS=portable|native` forces one; `BAMSPROD_THREADS=N`
 * sets the thread count (default: all cores); `BAMSPROD_XNOR_PATH` a slower XNOR path.
 * Importing this module makes that choice the default of `getBackend()` (backend.ts);
 * `useBackend` chooses explicitly.
 *
 * @example
 * import { useBackend, getBackend } from "bamsprod";
 * useBackend("portable"); // or "native" (throws if the addon is unavailable), or "auto"
 * console.log(getBackend().name);
 */
import { availableParallelism } from "node:os";
import { BamsprodError, show } from "../util/errors.js";
import { getBackend, portableBackend, setBackend, setDefaultBackend, type Backend } from "./backend.js";
import type { Kernels } from "./kernels.js";
import { loadAddon } from "./native/addon.js";
import type { AddonLoad } from "./native/addon.js";
import { createNativeBackend, type NativeBackend } from "./native/backend.js";

/** The chosen backend and one line (no trailing newline) for stderr. */
export interface BackendChoice {
  backend: Backend;
  notice: string;
}

/**
 * Chooses the backend from the environment (default `process.env`) and, for the native one,
 * applies the thread count. Does not install it: pass `backend` to `setBackend` (or call
 * `useBackend`). `load` replaces the addon loader (tests use it to simulate a machine without
 * the addon).
 * @throws BamsprodError when BAMSPROD_KERNELS, BAMSPROD_THREADS or one of the variables that
 *   force a lower native path is invalid, or when BAMSPROD_KERNELS=native but the addon cannot
 *   be loaded.
 */
export function chooseBackend(
  env: NodeJS.ProcessEnv = process.env,
  load: () => AddonLoad = loadAddon,
): BackendChoice {
  const forced = env.BAMSPROD_KERNELS?.trim().toLowerCase() || undefined;
  if (forced !== undefined && forced !== "portable" && forced !== "native") {
    throw new BamsprodError(
      `BAMSPROD_KERNELS is ${show(env.BAMSPROD_KERNELS)}; set it to "portable" or "native", or unset it to choose automatically`,
    );
  }
  const threads = threadsFromEnv(env);
  if (forced === "portable") {
    return {
      backend: portableBackend,
      notice: "bamsprod: using portable kernels (BAMSPROD_KERNELS=portable)",
    };
  }
  checkLoadTimePaths(env);
  const loaded = load();
  if (loaded.addon === null) {
    if (forced === "native") {
      throw new BamsprodError(
        `BAMSPROD_KERNELS=native but the native kernels are unavailable: ${loaded.reason}; ` +
          "or unset BAMSPROD_KERNELS to use the portable kernels",
      );
    }
    return {
      backend: portableBackend,
      notice: `bamsprod: using portable kernels (native kernels unavailable: ${loaded.reason})`,
    };
  }
  loaded.addon.setThreads(threads);
  const backend = createNativeBackend(loaded.addon);
  useXnorPath(backend, env.BAMSPROD_XNOR_PATH?.trim() || undefined);
  const info = loaded.addon.info();
  const why = forced === "native" ? "BAMSPROD_KERNELS=native" : "addon loaded";
  return {
    backend,
    notice: `bamsprod: using native kernels (${why}; OpenBLAS ${info.blasCore}, ${threads} thread${threads === 1 ? "" : "s"}, XNOR path ${info.binaryPath})`,
  };
}

/** The variables the addon reads once, when it loads, and the lower paths each can force. */
const LOAD_TIME_PATHS: Readonly<Record<string, readonly string[]>> = {
  BAMSPROD_OPTIM_PATH: ["avx2", "scalar"],
  BAMSPROD_LOOP_PATH: ["avx2", "baseline"],
  BAMSPROD_CONV_PATH: ["winograd2x2", "winograd4x4-all", "im2col"],
};

/**
 * @throws BamsprodError naming the variable and its value when one of LOAD_TIME_PATHS holds
 *   a value the addon would silently ignore.
 */
function checkLoadTimePaths(env: NodeJS.ProcessEnv): void {
  for (const [name, values] of Object.entries(LOAD_TIME_PATHS)) {
    const value = env[name];
    if (value === undefined || value === "" || values.includes(value)) continue;
    throw new BamsprodError(
      `${name} is ${show(value)}; set it to ${values.map((v) => `"${v}"`).join(" or ")}, or unset it for the fastest`,
    );
  }
}

/**
 * The XNOR/popcount path `BAMSPROD_XNOR_PATH` names (one this CPU supports), or the best one.
 * @throws BamsprodError naming the value and this CPU's paths when it supports no such path.
 */
function useXnorPath(backend: NativeBackend, path: string | undefined): void {
  const { paths } = backend.dispatch;
  if (path !== undefined && !paths.includes(path)) {
    throw new BamsprodError(
      `BAMSPROD_XNOR_PATH is ${show(path)}; this CPU supports ${paths.join(", ")} (or unset it for the fastest)`,
    );
  }
  backend.dispatch.use(path ?? paths[0]);
}

/**
 * Chooses and installs the backend for everything that computes from now on, and returns it:
 * "native" (the addon; throws if it cannot load), "portable" (plain TypeScript), "auto" (as at
 * start-up: BAMSPROD_KERNELS if set, else native when the addon loads), or a Backend object.
 * @throws BamsprodError when "native" is asked for and the addon cannot be loaded.
 */
export function useBackend(choice: "auto" | "native" | "portable" | Backend): Backend {
  let backend: Backend;
  if (typeof choice === "object") backend = choice;
  else if (choice === "auto") backend = chooseBackend().backend;
  else if (choice === "portable" || choice === "native") {
    backend = chooseBackend({ ...process.env, BAMSPROD_KERNELS: choice }).backend;
  } else {
    throw new BamsprodError(
      `useBackend: ${show(choice)} is not a backend; use "auto", "native" or "portable"`,
    );
  }
  setBackend(backend);
  return backend;
}

// `import "bamsprod"` gets the same backend as the CLI, chosen when it is first needed.
setDefaultBackend(() => chooseBackend().backend);

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
  /** Name of the backend in use ("native" or "portable"). */
  kernels: string;
  /** Threads the backend in use runs on. */
  threads: number;
  /** Whether the native addon loaded, and if not, why. */
  native: { available: true; path: string } | { available: false; reason: string };
  /** BLAS details when the native addon is loaded. */
  blas: { config: string; core: string; threads: number } | null;
  /** XNOR/popcount code path of the native binary kernels, or null. */
  binaryPath: string | null;
  /** Vector loops of the native fused optimizer updates ("avx512", "avx2", "scalar"), or null. */
  optimPath: string | null;
  /** Backward passes of the native 3x3 stride-1 convolutions ("winograd4x4-20", or the forced "winograd2x2", "winograd4x4-all", "im2col"), or null. */
  convPath: string | null;
  /** Build of the native compiler-vectorized loops ("avx512", "avx2", "baseline"), or null. */
  loopPath: string | null;
}

/** Describes the backend in use (see {@link getBackend}) and the native addon's state. */
export function kernelInfo(): KernelInfo {
  const active = getBackend();
  const load = loadAddon();
  if (load.addon === null) {
    return {
      kernels: active.name,
      threads: 1,
      native: { available: false, reason: load.reason },
      blas: null,
      binaryPath: null,
      optimPath: null,
      convPath: null,
      loopPath: null,
    };
  }
  const info = load.addon.info();
  return {
    kernels: active.name,
    threads: active === createNativeBackend(load.addon) ? info.threads : 1,
    native: { available: true, path: load.path },
    blas: { config: info.blasConfig, core: info.blasCore, threads: info.blasThreads },
    binaryPath: info.binaryPath,
    optimPath: info.optimPath,
    convPath: info.convPath,
    loopPath: info.loopPath,
  };
}

/** The chosen kernels and one line for stderr. @deprecated Use {@link BackendChoice}. */
export type KernelSelection = Omit<BackendChoice, "backend"> & { kernels: Kernels };

/** The tensor kernels of {@link chooseBackend}'s choice. @deprecated Use `chooseBackend` or `useBackend`. */
export function selectKernels(...args: Parameters<typeof chooseBackend>): KernelSelection {
  const { backend, notice } = chooseBackend(...args);
  return { kernels: backend.kernels, notice };
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
