/**
 * The native backend: a Node-API addon (C++, OpenBLAS GEMM, bit-packed XNOR products, fused
 * optimizer steps) loaded when it was built at install time. `chooseBackend` in ../select.ts
 * decides at start-up whether it or the portable backend runs.
 */
export { addonDeclaration, addonPath, checkAddon, loadAddon } from "./addon.js";
export type { AddonControl, AddonInfo, AddonLoad, NativeAddon } from "./addon.js";
export { createNativeBackend } from "./backend.js";
export type { NativeBackend, NativeDispatch } from "./backend.js";
export { binaryGemmPacked, packSigns, packedLength } from "./binary.js";
export type { PackedSigns } from "./binary.js";
