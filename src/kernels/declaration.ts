/**
 * Every kernel a backend can provide, by name, with its number of arguments: the one runtime
 * list of the kernels, which the compiler checks against the interfaces that declare them
 * (kernels.ts, optimizer.ts, packed.ts; a missing, extra or miscounted entry does not build).
 * The native addon registers its functions with the same names and counts and reports them;
 * the loader refuses an addon whose report differs (see native/addon.ts `checkAddon`).
 */
import type { Kernels } from "./kernels.js";
import type { OptimizerKernels } from "./optimizer.js";
import type { PackedKernels } from "./packed.js";

/** For each function of T, its parameter count. */
type Arity<T> = { readonly [K in keyof T]: T[K] extends (...args: infer P) => unknown ? P["length"] : never };

/** The tensor kernels (Kernels without its `name`). */
export const tensorKernelArity = {
  gemm: 10,
  conv2dForward: 4,
  conv2dBackwardInput: 4,
  conv2dBackwardFilter: 4,
  maxPoolForward: 4,
  maxPoolBackward: 3,
  avgPoolForward: 3,
  avgPoolBackward: 3,
  binaryGemm: 6,
  binaryConv2dForward: 4,
  clipInPlace: 2,
  signForward: 2,
  steBackward: 3,
  approxSignBackward: 3,
  addArrays: 3,
  batchNormStatistics: 4,
  batchNormApply: 5,
  batchNormGradientSums: 7,
  batchNormInputGradient: 8,
  channelSubtract: 4,
  channelSubtractBackward: 4,
  channelMultiply: 4,
  channelMultiplyBackward: 6,
  rpreluForward: 7,
  rpreluBackward: 8,
} as const satisfies Arity<Omit<Kernels, "name">>;

/** The fused optimizer updates. */
export const optimizerKernelArity = {
  adamUpdate: 6,
  amsgradUpdate: 7,
  bamsprodInspect: 8,
  bamsprodDeviation: 3,
  bamsprodApply: 10,
  countBadGradients: 2,
} as const satisfies Arity<OptimizerKernels>;

/** The packed-inference kernels. */
export const packedKernelArity = {
  packSigns: 4,
  binaryGemmPacked: 6,
  binaryConv2dPixels: 4,
  binaryConv2dThresholdPixels: 6,
  thresholdRows: 6,
  thresholdPixels: 5,
} as const satisfies Arity<PackedKernels>;

export type TensorKernelName = keyof typeof tensorKernelArity;

/** Names of a group, typed. */
export function namesOf<T extends object>(group: T): (keyof T & string)[] {
  return Object.keys(group) as (keyof T & string)[];
}

/** Every tensor kernel a Kernels implementation must provide (checked by setBackend). */
export const kernelMethods: readonly TensorKernelName[] = namesOf(tensorKernelArity);

/**
 * Picks a group's functions out of `source` into a frozen object: how a backend whose
 * functions live in one table (the addon) provides each group without restating it.
 */
export function pick<T extends object>(group: Record<keyof T & string, number>, source: object): T {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(group)) out[name] = (source as Record<string, unknown>)[name];
  return Object.freeze(out) as T;
}
