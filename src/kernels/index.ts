/**
 * The kernels and the backend that holds them (backend.ts). Ops ask `getBackend().kernels`
 * for every heavy computation, so one `setBackend` switches the whole engine at once.
 * Browser-safe: nothing here imports Node built-ins.
 */
import { getBackend, portableBackend, setBackend } from "./backend.js";
import type { Kernels } from "./kernels.js";
import { portableKernels } from "./portable/index.js";

export type { Kernels, ConvGeometry, PoolGeometry, ChannelLayout } from "./kernels.js";
export type { OptimizerKernels, StepScalars } from "./optimizer.js";
export type { PackedKernels } from "./packed.js";
export type { Backend } from "./backend.js";
export { getBackend, setBackend, setDefaultBackend, portableBackend } from "./backend.js";
export { kernelMethods, optimizerKernelArity, packedKernelArity, tensorKernelArity } from "./declaration.js";
export { convGeometry, poolGeometry } from "./geometry.js";
export { portableKernels };

/** The tensor kernels of the backend in use. @deprecated Use `getBackend().kernels`. */
export function getKernels(): Kernels {
  return getBackend().kernels;
}

/**
 * Installs tensor kernels alone, as a backend without fused optimizer updates or packed
 * kernels. @deprecated Use `setBackend` (or `useBackend` from the package entry).
 * @throws Error if a method is missing (a programming error, not user input).
 */
export function setKernels(kernels: Kernels): void {
  setBackend({ ...portableBackend, name: kernels.name, kernels });
}
