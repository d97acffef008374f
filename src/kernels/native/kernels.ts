/**
 * The native implementation of the Kernels interface: each method is the addon's function
 * itself (same arguments, arrays used in place), so a kernel call costs one Node-API call.
 */
import type { Kernels } from "../kernels.js";
import type { NativeAddon } from "./addon.js";

/** Kernels backed by the loaded addon; `name` is "native". */
export function createNativeKernels(addon: NativeAddon): Kernels {
  return Object.freeze({
    name: "native",
    gemm: addon.gemm,
    conv2dForward: addon.conv2dForward,
    conv2dBackwardInput: addon.conv2dBackwardInput,
    conv2dBackwardFilter: addon.conv2dBackwardFilter,
    maxPoolForward: addon.maxPoolForward,
    maxPoolBackward: addon.maxPoolBackward,
    avgPoolForward: addon.avgPoolForward,
    avgPoolBackward: addon.avgPoolBackward,
    binaryGemm: addon.binaryGemm,
    binaryConv2dForward: addon.binaryConv2dForward,
    clipInPlace: addon.clipInPlace,
    signForward: addon.signForward,
    steBackward: addon.steBackward,
    batchNormStatistics: addon.batchNormStatistics,
    batchNormApply: addon.batchNormApply,
    batchNormGradientSums: addon.batchNormGradientSums,
    batchNormInputGradient: addon.batchNormInputGradient,
  });
}
