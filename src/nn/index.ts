/** Binary neural-network layers, quantizers, model builders and the model summary. */
export type { NamedBuffer, ForwardContext, Layer, MacCount, Parameter } from "./types.js";
export { LayerBase } from "./layerBase.js";
export { glorotUniform } from "./init.js";
export {
  binarySign,
  ste_sign,
  approx_sign,
  swish_sign,
  steSignGradient,
  approxSignGradient,
  swishSignGradient,
  swishSignSmooth,
} from "./quantizers/sign.js";
export { magnitude_aware_sign } from "./quantizers/magnitudeAwareSign.js";
export {
  getQuantizer,
  quantizerNames,
  type Quantizer,
  type QuantizerConfig,
  type QuantizerName,
  type QuantizerSpec,
} from "./quantizers/registry.js";
export type { QuantOptions } from "./layers/quantCommon.js";
export { QuantDense, Dense, type QuantDenseOptions, type DenseOptions } from "./layers/quantDense.js";
export {
  QuantConv2D,
  Conv2D,
  type QuantConv2DOptions,
  type Conv2DLayerOptions,
  type Padding,
} from "./layers/quantConv2d.js";
export { BatchNorm, type BatchNormLayerOptions } from "./layers/batchNorm.js";
export { MaxPool2D, AvgPool2D, type PoolOptions } from "./layers/pooling.js";
export { Flatten } from "./layers/flatten.js";
export { Dropout } from "./layers/dropout.js";
export { Activation, activationNames, type ActivationSpec } from "./layers/activation.js";
export { PReLU } from "./layers/prelu.js";
export { Rescale, type RescaleOptions } from "./layers/rescale.js";
export { Residual, type ResidualOptions } from "./layers/residual.js";
export { RSign, type RSignOptions } from "./layers/rsign.js";
export { RPReLU } from "./layers/rprelu.js";
export { ChannelScale } from "./layers/channelScale.js";
export type { ResidualModelOptions } from "./residualModels.js";
export { Sequential, Model, type SequentialOptions } from "./model.js";
export {
  modelStateDict,
  loadModelStateDict,
  encodeStateDict,
  decodeStateDict,
  type ModelStateDict,
} from "./stateDict.js";
export { buildModel, modelNames, type BuildOptions, type ModelName } from "./builders.js";
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from "./summary.js";
export {
  modelFromConfig,
  parseModelConfig,
  buildParsedModel,
  type ModelConfig,
  type LayerConfig,
  type ParsedModel,
} from "./modelConfig.js";
export { registerLayerType, layerType, layerKinds, type LayerType, type OptionType } from "./layerTypes.js";
