/**
 * Compiles a trained Sequential model into the packed inference form (format.ts): binary
 * kernels become 1 bit per weight, each batch-norm followed by a sign becomes a per-channel
 * threshold, the remaining batch-norm (before the logits) a float scale and shift, and the
 * input normalization stays in the model so it takes raw pixels.
 */
import { Activation } from "../nn/layers/activation.js";
import { BatchNorm } from "../nn/layers/batchNorm.js";
import { Dropout } from "../nn/layers/dropout.js";
import { Flatten } from "../nn/layers/flatten.js";
import { AvgPool2D, MaxPool2D } from "../nn/layers/pooling.js";
import { QuantConv2D } from "../nn/layers/quantConv2d.js";
import { QuantDense } from "../nn/layers/quantDense.js";
import { Rescale } from "../nn/layers/rescale.js";
import { ChannelScale } from "../nn/layers/channelScale.js";
import { Residual } from "../nn/layers/residual.js";
import { RPReLU } from "../nn/layers/rprelu.js";
import { RSign } from "../nn/layers/rsign.js";
import type { Sequential } from "../nn/model.js";
import { getQuantizer, type Quantizer } from "../nn/quantizers/registry.js";
import type { Layer } from "../nn/types.js";
import { Tensor } from "../tensor/tensor.js";
import { BamsprodError, show } from "../util/errors.js";
import { Rng } from "../util/random.js";
import { packSignBits } from "./bits.js";
import { domainOf, foldScaleShift, foldThreshold, type InputDomain } from "./fold.js";
import type {
  PackedKernel,
  PackedLayer,
  PackedSpec,
  RescaleLayer,
  ResidualLayer,
  ScaleShiftLayer,
  ThresholdLayer,
} from "./format.js";

/** What flows between layers, as far as exactness is concerned. */
type Flow = { kind: "pixels" } | { kind: "signs" } | InputDomain;

interface State {
  shape: number[];
  flow: Flow;
}

const SUPPORTED =
  "rescale, flatten, dropout, quant_dense/dense, quant_conv2d/conv2d, batch_norm, max_pool2d, avg_pool2d, " +
  "sign activations, rsign, rprelu, channel_scale and residual blocks";

/**
 * The packed form of a trained model (in evaluation mode: batch-norm uses its moving
 * statistics, dropout is the identity).
 * @throws BamsprodError for a layer the packed format cannot express (e.g. relu, avg_pool2d,
 *   magnitude_aware_sign kernels), naming the layer.
 * @example const spec = compileModel(loadModelFromCheckpoint("runs/bmlp").model);
 */
export function compileModel(model: Sequential, info: Record<string, unknown> = {}): PackedSpec {
  const [c, h, w] = model.inputShape;
  if (model.inputShape.length !== 3) {
    throw new BamsprodError(
      `cannot export model ${show(model.name)}: its input shape ${show(model.inputShape)} is not [C, H, W]`,
    );
  }
  const state: State = { shape: [c, h, w], flow: { kind: "pixels" } };
  const layers = compileLayers(model.layers, state);
  return { inputShape: [c, h, w], classes: model.classes, info: { model: model.name, ...info }, layers };
}

/** A list of layers (a model's, or a residual path's) from `state`, which it advances. */
function compileLayers(source: readonly Layer[], state: State): PackedLayer[] {
  const layers: PackedLayer[] = [];
  for (let i = 0; i < source.length; i++) {
    const layer = source[i];
    layers.push(...compileLayer(layer, state, consumerSign(source, i)));
    state.shape = layer.outputShape(state.shape);
  }
  return layers;
}

/** The sign that the layer after `index` applies to its input (skipping shape-only layers), or null. */
function consumerSign(layers: readonly Layer[], index: number): Quantizer | null {
  for (let j = index + 1; j < layers.length; j++) {
    const next = layers[j];
    if (next instanceof Flatten || next instanceof Dropout) continue;
    if (next instanceof QuantDense || next instanceof QuantConv2D) return next.quant.input;
    if (next instanceof RSign) return null; // its own threshold: the values stay real until it
    if (next instanceof Activation) return signActivation(next);
    return null;
  }
  return null;
}

/** The quantizer of a sign activation ("ste_sign", ...), or null for relu and hardtanh. */
function signActivation(layer: Activation): Quantizer | null {
  const a = layer.activation;
  return a === "relu" || a === "hardtanh" ? null : getQuantizer(a);
}

function unsupported(layer: Layer, why: string): never {
  throw new BamsprodError(
    `cannot export layer ${show(layer.name)} (${layer.kind}): ${why}; the packed format supports ${SUPPORTED}`,
  );
}

function compileLayer(layer: Layer, state: State, nextSign: Quantizer | null): PackedLayer[] {
  if (layer instanceof Rescale) {
    state.flow = { kind: "real" };
    return [compileRescale(layer, state.shape[0])];
  }
  if (layer instanceof Flatten) return [{ type: "flatten" }];
  if (layer instanceof Dropout) return [];
  if (layer instanceof QuantDense) return compileProduct(layer, state, state.shape[0]);
  if (layer instanceof QuantConv2D) {
    return compileProduct(layer, state, state.shape[0] * layer.kernelSize[0] * layer.kernelSize[1]);
  }
  if (layer instanceof Residual) return [compileResidual(layer, state)];
  if (layer instanceof RSign) return [compileRSign(layer, state)];
  if (layer instanceof RPReLU) {
    state.flow = { kind: "real" };
    const { shiftIn, alpha, shiftOut } = layer.arrays();
    const copy = Float32Array.from.bind(Float32Array);
    return [{ type: "rprelu", shiftIn: copy(shiftIn), alpha: copy(alpha), shiftOut: copy(shiftOut) }];
  }
  if (layer instanceof ChannelScale) return [compileChannelScale(layer, state)];
  if (layer instanceof AvgPool2D) {
    state.flow = { kind: "real" };
    return [{ type: "avg_pool2d", size: layer.poolSize, stride: layer.strides }];
  }
  if (layer instanceof MaxPool2D) {
    if (state.flow.kind === "signs") state.flow = { kind: "integer", bound: 1 };
    return [{ type: "max_pool2d", size: layer.poolSize, stride: layer.strides }];
  }
  if (layer instanceof BatchNorm) return [compileBatchNorm(layer, state, nextSign)];
  if (layer instanceof Activation) {
    const sign = signActivation(layer);
    if (sign === null) unsupported(layer, "only sign activations have a binary form");
    if (state.flow.kind === "signs") return []; // already +-1 (a folded batch-norm before it)
    state.flow = { kind: "signs" };
    return [signAsThreshold(state.shape[0])];
  }
  return unsupported(layer, "no packed equivalent");
}

/** sign(x) = +1 iff x >= 0: the threshold 0 on every channel. */
function signAsThreshold(channels: number): ThresholdLayer {
  return { type: "threshold", thresholds: new Float32Array(channels), flip: new Uint8Array(channels) };
}

/**
 * Rescale as float32 scale and offset, the layer's own, checked against its forward on every
 * pixel value 0..255 of every channel.
 */
function compileRescale(layer: Rescale, channels: number): RescaleLayer {
  const { scale, offset } = layer.channelAffine(channels);
  const pixels = new Float32Array(256 * channels);
  for (let v = 0; v < 256; v++) pixels.fill(v, v * channels, (v + 1) * channels);
  const y = layer.forward(new Tensor(pixels, [256, channels, 1, 1]), {
    training: false,
    rng: new Rng(0),
  }).data;
  for (let i = 0; i < y.length; i++) {
    const c = i % channels;
    if (Math.fround(pixels[i] * scale[c] + offset[c]) !== y[i]) {
      throw new Error(`compile: Rescale ${layer.name} no longer computes fround(x * scale + offset)`);
    }
  }
  return { type: "rescale", scale, offset };
}

function kernelOf(layer: QuantDense | QuantConv2D): { kernel: PackedKernel; bias: Float32Array | null } {
  const quantizer = layer.quant.kernel;
  if (quantizer?.kernelOnly === true) {
    unsupported(layer, `its kernel quantizer ${show(quantizer.name)} scales each channel`);
  }
  const params = layer.parameters();
  const latent = params.find((p) => p.name === `${layer.name}/kernel`);
  if (latent === undefined) throw new Error(`compile: layer ${layer.name} has no kernel parameter`);
  const bias = params.find((p) => p.name === `${layer.name}/bias`)?.tensor.data ?? null;
  const kernel: PackedKernel =
    quantizer === null
      ? { kind: "float", values: Float32Array.from(latent.tensor.data) }
      : { kind: "bits", bits: packSignBits(latent.tensor.data) };
  return { kernel, bias: bias === null ? null : Float32Array.from(bias) };
}

/** A dense or conv layer (plus its bias); updates the flow: exact integers when both operands are +-1. */
function compileProduct(layer: QuantDense | QuantConv2D, state: State, fanIn: number): PackedLayer[] {
  const { kernel, bias } = kernelOf(layer);
  const binaryInput = layer.quant.input !== null || (layer instanceof QuantConv2D && layer.inputIsBinary);
  const signsIn = binaryInput || state.flow.kind === "signs";
  state.flow =
    signsIn && kernel.kind === "bits" && bias === null ? { kind: "integer", bound: fanIn } : { kind: "real" };
  const out: PackedLayer[] = [];
  if (layer instanceof QuantConv2D) {
    out.push({
      type: "conv2d",
      inChannels: state.shape[0],
      outChannels: layer.filters,
      kernelH: layer.kernelSize[0],
      kernelW: layer.kernelSize[1],
      strideH: layer.strides[0],
      strideW: layer.strides[1],
      padH: layer.padding[0],
      padW: layer.padding[1],
      binaryInput,
      kernel,
    });
  } else {
    out.push({ type: "dense", inFeatures: state.shape[0], outFeatures: layer.units, binaryInput, kernel });
  }
  if (bias !== null) out.push({ type: "bias", values: bias });
  return out;
}

function compileBatchNorm(layer: BatchNorm, state: State, nextSign: Quantizer | null): PackedLayer {
  const domain = domainOf(state.flow);
  const target = { bn: layer, channels: state.shape[0], rank: state.shape.length };
  if (nextSign !== null) {
    state.flow = { kind: "signs" };
    return foldThreshold(target, nextSign, domain);
  }
  state.flow = { kind: "real" };
  return foldScaleShift(target, domain);
}

/** A residual block: both paths compiled from the block's input; the sum is real. */
function compileResidual(layer: Residual, state: State): ResidualLayer {
  const path = (layers: readonly Layer[]): PackedLayer[] =>
    compileLayers(layers, { shape: [...state.shape], flow: state.flow });
  const body = path(layer.block);
  const shortcut = path(layer.shortcut);
  state.flow = { kind: "real" };
  return { type: "residual", body, shortcut };
}

/**
 * RSign as a threshold: q(fround(x - t)) is +1 iff fround(x - t) >= 0 iff x >= t (for float32
 * x and t the rounded difference has the sign of the exact one, and is +-0 only when x = t),
 * checked on the layer at the thresholds and their neighbours.
 */
function compileRSign(layer: RSign, state: State): ThresholdLayer {
  const t = Float32Array.from(layer.thresholds());
  const c = t.length;
  const probes: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const below = Math.fround(t[ch] - Math.max(Math.abs(t[ch]) * 2 ** -23, 2 ** -149));
    probes.push(t[ch], below, 0, -1, 1);
  }
  const rows = probes.length / c;
  const spatial = state.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = new Float32Array(rows * c * spatial);
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++)
      values.fill(probes[ch * rows + r], (r * c + ch) * spatial, (r * c + ch + 1) * spatial);
  }
  const y = layer.forward(new Tensor(values, [rows, ...state.shape]), {
    training: false,
    rng: new Rng(0),
  }).data;
  for (let i = 0; i < values.length; i++) {
    const ch = Math.floor(i / spatial) % c;
    if ((values[i] >= t[ch] ? 1 : -1) !== y[i]) {
      throw new Error(`compile: RSign ${layer.name} disagrees with the threshold ${t[ch]} at ${values[i]}`);
    }
  }
  state.flow = { kind: "signs" };
  return { type: "threshold", thresholds: t, flip: new Uint8Array(c) };
}

/**
 * ChannelScale as scale_shift with zero shifts: fround(x * s) in double equals the engine's
 * float32 product (the double product of two float32 values is exact), up to the sign of a
 * zero result, which no later layer can see (the next one adds or compares).
 */
function compileChannelScale(layer: ChannelScale, state: State): ScaleShiftLayer {
  const scale = Float64Array.from(layer.scales());
  state.flow = { kind: "real" };
  return { type: "scale_shift", scale, shift: new Float64Array(scale.length) };
}
