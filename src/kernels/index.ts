/**
 * The active kernel implementation. Ops call `getKernels()` for every heavy computation, so
 * `setKernels(native)` at start-up switches the whole engine at once.
 */
import type { Kernels } from "./kernels.js";
import { portableKernels } from "./portable/index.js";

export type { Kernels, ConvGeometry, PoolGeometry, ChannelLayout } from "./kernels.js";
export { convGeometry, poolGeometry } from "./geometry.js";
export { portableKernels };

/** Every method a Kernels implementation must provide (checked by setKernels). */
export const kernelMethods = [
  "gemm",
  "conv2dForward",
  "conv2dBackwardInput",
  "conv2dBackwardFilter",
  "maxPoolForward",
  "maxPoolBackward",
  "avgPoolForward",
  "avgPoolBackward",
  "binaryGemm",
  "binaryConv2dForward",
  "clipInPlace",
  "signForward",
  "steBackward",
  "batchNormStatistics",
  "batchNormApply",
  "batchNormGradientSums",
  "batchNormInputGradient",
] as const satisfies readonly (keyof Kernels)[];

let active: Kernels = portableKernels;

/** The kernels in use (the portable ones unless setKernels installed others). */
export function getKernels(): Kernels {
  return active;
}

/**
 * Installs a kernel implementation for all later ops. A partial implementation can borrow the
 * rest: `setKernels({ ...portableKernels, name: "native", gemm: nativeGemm })`.
 * @throws Error if a method is missing (a programming error, not user input).
 */
export function setKernels(kernels: Kernels): void {
  const missing = kernelMethods.filter((m) => typeof kernels[m] !== "function");
  if (missing.length > 0) {
    throw new Error(`setKernels: "${kernels.name}" lacks ${missing.join(", ")}`);
  }
  active = kernels;
}
