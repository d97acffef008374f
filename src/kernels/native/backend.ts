/**
 * The native backend: the addon's functions themselves (same arguments, arrays used in place),
 * picked group by group from the declaration, so a kernel call costs one Node-API call.
 */
import type { Backend } from "../backend.js";
import { optimizerKernelArity, packedKernelArity, pick, tensorKernelArity } from "../declaration.js";
import type { Kernels } from "../kernels.js";
import type { OptimizerKernels } from "../optimizer.js";
import type { PackedKernels } from "../packed.js";
import type { NativeAddon } from "./addon.js";

/** The XNOR/popcount code paths the addon knows, best first (it refuses those the CPU lacks). */
const binaryPaths = ["avx512-vpopcntdq", "avx2", "popcnt", "generic"] as const;

/**
 * The code paths the native kernels dispatch between at run time, for tests and benchmarks
 * that force each one the CPU supports (another dispatch family adds its paths here).
 */
export interface NativeDispatch {
  /** The forceable paths this CPU supports, e.g. ["popcnt", "generic"], best first. */
  readonly paths: readonly string[];
  /** The path in use. */
  current(): string;
  /** Forces a path of `paths`; false if this CPU lacks it. */
  use(path: string): boolean;
}

/** A Backend with the native addon's dispatch controls. */
export interface NativeBackend extends Backend {
  readonly dispatch: NativeDispatch;
}

const backends = new WeakMap<NativeAddon, NativeBackend>();

/** The backend of a loaded addon (one frozen object per addon). */
export function createNativeBackend(addon: NativeAddon): NativeBackend {
  let backend = backends.get(addon);
  if (backend === undefined) {
    const best = addon.info().binaryPath;
    backend = Object.freeze({
      name: "native",
      kernels: Object.freeze({ ...pick<Omit<Kernels, "name">>(tensorKernelArity, addon), name: "native" }),
      optimizer: pick<OptimizerKernels>(optimizerKernelArity, addon),
      packed: pick<PackedKernels>(packedKernelArity, addon),
      dispatch: Object.freeze({
        paths: binaryPaths.filter((p) => addon.setBinaryPath(p) || false),
        current: () => addon.info().binaryPath,
        use: (path: string) => addon.setBinaryPath(path),
      }),
    });
    addon.setBinaryPath(best);
    backends.set(addon, backend);
  }
  return backend;
}
