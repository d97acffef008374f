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
import { optimizerKernelArity, packedKernelArity, tensorKernelArity } from "../declaration.js";
import type { Kernels } from "../kernels.js";
import type { OptimizerKernels } from "../optimizer.js";
import type { PackedKernels } from "../packed.js";

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
  /**
   * Backward passes of 3x3 stride-1 convolutions: "winograd4x4-20" (F(4x4) tiles on maps of 20x20 and
   * more where they save enough, F(2x2) on the others), or the path BAMSPROD_CONV_PATH forces: "winograd2x2", "winograd4x4-all" or "im2col".
   */
  convPath: string;
  /**
   * Build of the compiler-vectorized loops (sign, batch-norm, tile transforms, ...): "avx512",
   * "avx2" or "baseline" (BAMSPROD_LOOP_PATH forces a lower one). All give the same bits.
   */
  loopPath: string;
  /** std::thread::hardware_concurrency(). */
  hardwareThreads: number;
}

/** What the addon exports beside its kernels. */
export interface AddonControl {
  setThreads(threads: number): void;
  /** Forces an XNOR/popcount code path ("avx512-vpopcntdq", "avx2", "popcnt", "generic"); false if the CPU lacks it. */
  setBinaryPath(path: string): boolean;
  info(): AddonInfo;
  /** Each exported function's name and argument count, as registered (see ../declaration.ts). */
  signatures(): Record<string, number>;
}

/**
 * The raw addon: every kernel of the declaration (../declaration.ts), under the same name and
 * with the same arguments. Arrays are used in place (never copied); sizes are checked natively.
 */
export type NativeAddon = Omit<Kernels, "name"> & OptimizerKernels & PackedKernels & AddonControl;

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
    const mismatch = checkAddon(addon);
    if (mismatch !== null) {
      return {
        addon: null,
        reason: `addon out of date: ${mismatch}; rebuild it with \`npm run build:native\``,
      };
    }
    // Every core until told otherwise (chooseBackend applies BAMSPROD_THREADS).
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

/** Every function the addon must export, with its argument count (the control functions too). */
export const addonDeclaration: Readonly<Record<string, number>> = Object.freeze({
  ...tensorKernelArity,
  ...optimizerKernelArity,
  ...packedKernelArity,
  setThreads: 1,
  setBinaryPath: 1,
  info: 0,
  signatures: 0,
});

/**
 * Compares what the addon registered (its `signatures()`) with the declaration: null when they
 * agree, else what differs, e.g. "gemm takes 9 arguments natively, 10 declared".
 */
export function checkAddon(addon: Partial<NativeAddon>): string | null {
  if (typeof addon.signatures !== "function") return "it does not report its signatures";
  const native = addon.signatures();
  const problems: string[] = [];
  for (const [name, arity] of Object.entries(addonDeclaration)) {
    if (!(name in native)) problems.push(`${name} is missing`);
    else if (native[name] !== arity)
      problems.push(`${name} takes ${native[name]} arguments natively, ${arity} declared`);
    else if (typeof (addon as Record<string, unknown>)[name] !== "function")
      problems.push(`${name} is not exported`);
  }
  for (const name of Object.keys(native))
    if (!(name in addonDeclaration)) problems.push(`${name} is not declared`);
  return problems.length === 0 ? null : problems.join(", ");
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
