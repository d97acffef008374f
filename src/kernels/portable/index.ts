/**
 * The portable kernels: plain TypeScript, no dependencies, the default until a native
 * backend is installed with setBackend (src/kernels/backend.ts).
 */
import type { Kernels } from "../kernels.js";
import {
  batchNormApply,
  batchNormGradientSums,
  batchNormInputGradient,
  batchNormStatistics,
} from "./batchnorm.js";
import { binaryConv2dForward, binaryGemm } from "./binary.js";
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from "./conv.js";
import { gemm } from "./gemm.js";
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from "./pool.js";
import {
  channelMultiply,
  channelMultiplyBackward,
  channelSubtract,
  channelSubtractBackward,
  rpreluBackward,
  rpreluForward,
} from "./channel.js";
import { addArrays, approxSignBackward, clipInPlace, signForward, steBackward } from "./sign.js";

/**
 * The portable implementation of every kernel. Spread it to borrow methods:
 * `{ ...portableKernels, name: "mine", gemm: myGemm }`.
 */
export const portableKernels: Kernels = Object.freeze({
  name: "portable",
  gemm,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardFilter,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  binaryGemm,
  binaryConv2dForward,
  clipInPlace,
  signForward,
  steBackward,
  approxSignBackward,
  addArrays,
  batchNormStatistics,
  batchNormApply,
  batchNormGradientSums,
  batchNormInputGradient,
  channelSubtract,
  channelSubtractBackward,
  channelMultiply,
  channelMultiplyBackward,
  rpreluForward,
  rpreluBackward,
});
