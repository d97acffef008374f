/**
 * The backend: everything that computes, as one object chosen once and read by whoever
 * computes (the ops of src/tensor, the optimizers, the packed model's runtime). It holds the
 * tensor kernels, and, when it has them, fused optimizer updates and packed-inference kernels;
 * where it has none, callers run their own TypeScript loops (the same bits). Modelled on
 * tfjs-core's registry of backends (one active backend, chosen at start-up) and on torch.optim's
 * fused / single-tensor split.
 *
 * This module has no Node imports, so the browser-safe runtimes can use it: on its own it
 * knows only the portable backend. The Node entry (select.ts, loaded by `import "bamsprod"`)
 * registers the default choice: the native backend when its addon loads, else the portable one.
 */
import { kernelMethods } from "./declaration.js";
import type { Kernels } from "./kernels.js";
import type { OptimizerKernels } from "./optimizer.js";
import type { PackedKernels } from "./packed.js";
import { portableKernels } from "./portable/index.js";

export interface Backend {
  /** What to call it in messages ("portable", "native"); nothing branches on it. */
  readonly name: string;
  /** The tensor kernels the ops run on. */
  readonly kernels: Kernels;
  /** Fused optimizer updates, or null: the optimizers run their own TypeScript loops. */
  readonly optimizer: OptimizerKernels | null;
  /** Packed-inference kernels, or null: the packed runtime runs its TypeScript forms. */
  readonly packed: PackedKernels | null;
}

/** Plain TypeScript, no dependencies: runs everywhere, single-threaded. */
export const portableBackend: Backend = Object.freeze({
  name: "portable",
  kernels: portableKernels,
  optimizer: null,
  packed: null,
});

let active: Backend | undefined;
let chooseDefault: () => Backend = () => portableBackend;

/**
 * The backend in use. The first call makes the default choice (see {@link setDefaultBackend}),
 * unless {@link setBackend} chose one before.
 */
export function getBackend(): Backend {
  return (active ??= chooseDefault());
}

/**
 * Installs a backend for every later computation. A backend can borrow from another:
 * `setBackend({ ...portableBackend, name: "mine", kernels: { ...portableKernels, gemm } })`.
 * @throws Error if a tensor kernel is missing (a programming error, not user input).
 */
export function setBackend(backend: Backend): void {
  const missing = kernelMethods.filter((m) => typeof backend.kernels?.[m] !== "function");
  if (missing.length > 0) {
    throw new Error(`setBackend: "${backend.name}" lacks ${missing.join(", ")}`);
  }
  active = backend;
}

/**
 * Sets how the first {@link getBackend} call chooses when nothing was set (the Node entry
 * registers its choice here); no effect once a backend is in use.
 */
export function setDefaultBackend(choose: () => Backend): void {
  chooseDefault = choose;
}
