/**
 * bamsprod/tfjs: BAMSProd, its baselines and quantized layers as drop-ins for TensorFlow.js
 * models. Needs the optional peer dependency `@tensorflow/tfjs` (version 4); the core
 * `bamsprod` package never imports this module.
 *
 * Importing it registers every class below with `tf.serialization`, so that models and
 * optimizer state saved with `model.save(..., { includeOptimizer: true })` load again with
 * `tf.loadLayersModel`.
 */
export { BAMSProd, type BAMSProdOptions, quantizationError } from "./bamsprod.js";
export { AMSGrad, type AMSGradOptions } from "./amsgrad.js";
export { AdaBound, AMSBound, type AdaBoundOptions } from "./adabound.js";
export { Bop, type BopOptions } from "./bop.js";
export { BinaryAwareOptimizer, type BinaryAwareOptions, type BinaryPredicate } from "./base.js";
export {
  markBinary,
  isRegisteredBinary,
  setVariableConstraint,
  type VariableConstraint,
} from "./registry.js";
export {
  steSign,
  approxSign,
  swishSign,
  magnitudeAwareSign,
  getQuantizer,
  quantizerNames,
  SWISH_BETA,
  type Quantizer,
  type QuantizerName,
} from "./quantizers.js";
export { QuantDense, type QuantDenseArgs } from "./quantDense.js";
export { QuantConv2D, type QuantConv2DArgs } from "./quantConv2d.js";
export type { QuantLayerArgs } from "./quantLayer.js";
export { WeightClip, type WeightClipArgs } from "./weightClip.js";
export { activationNames, type InitializerIdentifier, type ConstraintIdentifier } from "./layerUtil.js";
