/**
 * The native kernels: a Node-API addon (C++, OpenBLAS GEMM, bit-packed XNOR products, fused
 * optimizer steps) loaded when it was built at install time. `selectKernels` in ../select.ts
 * decides at start-up whether these or the portable kernels run.
 */
export { addonPath, loadAddon } from "./addon.js";
export type { AddonInfo, AddonLoad, NativeAddon } from "./addon.js";
export { createNativeKernels } from "./kernels.js";
export { binaryGemmPacked, packSigns, packedLength } from "./binary.js";
export type { PackedSigns } from "./binary.js";
export { createNativeOptimizerSteps } from "./optim.js";
export type { AdamStepScalars, NativeBamsprodPasses, NativeOptimizerSteps } from "./optim.js";
