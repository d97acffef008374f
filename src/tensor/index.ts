/**
 * The tensor engine: Tensor, reverse-mode `backward`, and the ops (plain functions, one small
 * file each under ops/). Every op reads its inputs, never writes them, and accumulates (`+=`)
 * into the gradients of the inputs that require one.
 */
export { Tensor, backward, releaseGraph, shapeSize } from "./tensor.js";
export { matmul } from "./ops/matmul.js";
export { dense, type DenseOpOptions } from "./ops/dense.js";
export { add, sub, mul, scale } from "./ops/arithmetic.js";
export { addChannelBias } from "./ops/bias.js";
export { conv2d, type Conv2dOptions } from "./ops/conv2d.js";
export { batchNorm, type BatchNormOptions, type RunningStats } from "./ops/batchNorm.js";
export { maxPool2d, avgPool2d, type Pool2dOptions } from "./ops/pool.js";
export { reshape, flatten } from "./ops/shape.js";
export { dropout } from "./ops/dropout.js";
export { relu } from "./ops/relu.js";
export { hardtanh } from "./ops/hardtanh.js";
export { prelu } from "./ops/prelu.js";
export { softmaxCrossEntropy } from "./ops/softmaxCrossEntropy.js";
export { elementwise } from "./ops/elementwise.js";
export { sign } from "./ops/sign.js";
export { clearBufferPool } from "./buffers.js";
