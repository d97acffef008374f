/**
 * bamsprod: binary neural networks trained with the BAMSProd optimizer.
 * Each area of the library re-exports its public API here.
 */
export { BamsprodError } from "./util/errors.js";
export { Rng } from "./util/random.js";
export { Tensor, backward } from "./tensor/tensor.js";
export type { Kernels, ConvGeometry, PoolGeometry } from "./kernels/kernels.js";
