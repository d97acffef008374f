/**
 * Converts a Keras-style TensorFlow.js model built from bamsprod/tfjs layers (QuantDense,
 * QuantConv2D, plus tfjs's batchNormalization, maxPooling2d, flatten, dropout, activation,
 * rescaling, dense, conv2d) into the packed format, so it exports to .bnn, ONNX and C.
 *
 * tfjs is channels-last (NHWC); the packed format is channel-major (NCHW): kernels are
 * transposed, and a dense layer after a flatten gets its input features permuted. A
 * batch-norm followed by a quantized layer's input sign is folded into thresholds *measured
 * on the tfjs layers themselves* (the same search as src/export/fold.ts), so the binary
 * decisions are tfjs's own; other float arithmetic (the first layer's real-valued sums, a
 * batch-norm kept for the logits) rounds in its own order, hence a small stated logit bound.
 */
import * as tf from "@tensorflow/tfjs";
import { packSignBits } from "../export/bits.js";
import { domainOf, measureThreshold, type InputDomain } from "../export/fold.js";
import type { PackedKernel, PackedLayer, PackedSpec } from "../export/format.js";
import { BamsprodError, show } from "../util/errors.js";
import { getQuantizer, quantizerNames, type QuantizerName } from "./quantizers.js";
import "./index.js"; // registers QuantDense and QuantConv2D with tf.serialization

const SUPPORTED =
  "QuantDense, QuantConv2D, Dense, Conv2D, BatchNormalization, MaxPooling2D, Flatten, Dropout, Rescaling, InputLayer, and linear (or a final softmax) activations";

type Config = Record<string, unknown>;

/** What flows between layers, as far as the folding's input domain is concerned. */
type Flow = { kind: "signs" } | InputDomain;

interface State {
  /** Per-sample shape in tfjs's layout: [F] or [H, W, C]. */
  shape: number[];
  flow: Flow;
  /** Set by a flatten of [H, W, C]: the next dense layer's input is NHWC-ordered. */
  flattenedFrom: number[] | null;
  /** Set when the model's final softmax was left out (the packed model outputs logits). */
  softmax: boolean;
}

function unsupported(layer: tf.layers.Layer, why: string): never {
  throw new BamsprodError(
    `cannot convert layer ${show(layer.name)} (${layer.getClassName()}): ${why}; supported: ${SUPPORTED}`,
  );
}

/** The next layer that reads values (skipping shape-only layers), or null. */
function nextReader(layers: readonly tf.layers.Layer[], index: number): tf.layers.Layer | null {
  for (let j = index + 1; j < layers.length; j++) {
    const name = layers[j].getClassName();
    if (name !== "Flatten" && name !== "Dropout") return layers[j];
  }
  return null;
}

function isQuant(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === "QuantDense" || layer.getClassName() === "QuantConv2D";
}

function inputQuantizerOf(layer: tf.layers.Layer | null): QuantizerName | null {
  if (layer === null || !isQuant(layer)) return null;
  return (layer.getConfig() as Config).inputQuantizer as QuantizerName | null;
}

/**
 * The packed form of a loaded tfjs model (a chain of layers with one input and one output).
 * @throws BamsprodError naming the first layer the packed format cannot express.
 */
export function tfjsToPacked(model: tf.LayersModel, info: Record<string, unknown> = {}): PackedSpec {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || inputShape.some((d) => d === null)) {
    throw new BamsprodError(
      `cannot convert model ${show(model.name)}: it needs one input of fixed shape and one output (input shape ${show(model.inputs[0].shape)})`,
    );
  }
  if (inputShape.length !== 1 && inputShape.length !== 3) {
    throw new BamsprodError(
      `cannot convert model ${show(model.name)}: its input shape ${show(inputShape)} is not [features] or [height, width, channels]`,
    );
  }
  const packedInput: [number, number, number] =
    inputShape.length === 1 ? [1, 1, inputShape[0]] : [inputShape[2], inputShape[0], inputShape[1]];
  const state: State = { shape: inputShape, flow: { kind: "real" }, flattenedFrom: null, softmax: false };
  const layers: PackedLayer[] = inputShape.length === 1 ? [{ type: "flatten" }] : [];
  const source = model.layers;
  source.forEach((layer, index) => {
    layers.push(...convertLayer(layer, state, nextReader(source, index), index === source.length - 1));
    state.shape = (layer.outputShape as number[]).slice(1);
  });
  const classes = state.shape.length === 1 ? state.shape[0] : -1;
  if (classes < 1)
    throw new BamsprodError(
      `cannot convert model ${show(model.name)}: its output ${show(state.shape)} is not [classes]`,
    );
  return {
    inputShape: packedInput,
    classes,
    info: {
      model: model.name,
      source: "tfjs",
      ...(state.softmax ? { droppedFinalSoftmax: true } : {}),
      ...info,
    },
    layers,
  };
}

function convertLayer(
  layer: tf.layers.Layer,
  state: State,
  next: tf.layers.Layer | null,
  last: boolean,
): PackedLayer[] {
  const config = layer.getConfig() as Config;
  switch (layer.getClassName()) {
    case "InputLayer":
    case "Dropout":
      return [];
    case "Flatten":
      state.flattenedFrom = state.shape.length === 3 ? [...state.shape] : null;
      return state.shape.length === 1 ? [] : [{ type: "flatten" }];
    case "Rescaling":
      return [rescaling(layer, config, state)];
    case "QuantDense":
    case "Dense":
      return product(layer, config, state, last);
    case "QuantConv2D":
    case "Conv2D":
      return product(layer, config, state, last);
    case "BatchNormalization":
      return [batchNorm(layer, config, state, inputQuantizerOf(next))];
    case "MaxPooling2D":
      return [maxPool(layer, config, state)];
    case "Activation": {
      const activation = config.activation;
      if (activation === "linear") return [];
      if (activation === "softmax" && last) {
        state.softmax = true;
        return [];
      }
      return unsupported(
        layer,
        `activation ${show(activation)} has no packed form (only linear, or softmax last)`,
      );
    }
    default:
      return unsupported(layer, "no packed equivalent");
  }
}

function rescaling(layer: tf.layers.Layer, config: Config, state: State): PackedLayer {
  const scale = Number(config.scale);
  const offset = Number(config.offset ?? 0);
  const channels = state.shape.length === 3 ? state.shape[2] : 1;
  state.flow = { kind: "real" };
  return {
    type: "rescale",
    scale: new Float32Array(channels).fill(scale),
    offset: new Float32Array(channels).fill(offset),
  };
}

function weightsOf(layer: tf.layers.Layer): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const tensors = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const tensor = tensors[i];
    const short = w.originalName.split("/").pop() as string;
    out.set(short, { shape: tensor.shape, values: tensor.dataSync() as Float32Array });
  });
  return out;
}

function kernelQuantizer(layer: tf.layers.Layer, config: Config): QuantizerName | null {
  const q = (config.kernelQuantizer ?? null) as QuantizerName | null;
  if (q === "magnitude_aware_sign")
    unsupported(layer, "its kernel quantizer magnitude_aware_sign scales each channel");
  if (q !== null && !(quantizerNames as readonly string[]).includes(q))
    unsupported(layer, `unknown kernel quantizer ${show(q)}`);
  return q;
}

/** A dense or conv layer: its kernel (1 bit or float, transposed to NCHW order) and bias. */
function product(layer: tf.layers.Layer, config: Config, state: State, last: boolean): PackedLayer[] {
  const activation = config.activation ?? "linear";
  if (activation === "softmax" && last) state.softmax = true;
  else if (activation !== "linear") {
    unsupported(layer, `activation ${show(activation)} has no packed form (only linear, or softmax last)`);
  }
  const weights = weightsOf(layer);
  const kernel = weights.get("kernel");
  if (kernel === undefined) unsupported(layer, "it has no kernel weight");
  const quantizer = isQuant(layer) ? kernelQuantizer(layer, config) : null;
  const binaryInput = isQuant(layer) && config.inputQuantizer !== null && config.inputQuantizer !== undefined;
  const conv = layer.getClassName().endsWith("Conv2D");
  const values = conv
    ? convKernel(kernel.shape, kernel.values)
    : denseKernel(kernel.shape, kernel.values, state.flattenedFrom);
  const packed: PackedKernel =
    quantizer === null ? { kind: "float", values } : { kind: "bits", bits: packSignBits(values) };
  const bias = weights.get("bias");
  const signsIn = binaryInput || state.flow.kind === "signs";
  const fanIn = conv ? kernel.shape[0] * kernel.shape[1] * kernel.shape[2] : kernel.shape[0];
  state.flow =
    signsIn && packed.kind === "bits" && bias === undefined
      ? { kind: "integer", bound: fanIn }
      : { kind: "real" };
  state.flattenedFrom = null;
  const out: PackedLayer[] = [
    conv
      ? convLayer(layer, config, state, kernel.shape, packed, binaryInput)
      : {
          type: "dense",
          inFeatures: kernel.shape[0],
          outFeatures: kernel.shape[1],
          binaryInput,
          kernel: packed,
        },
  ];
  if (bias !== undefined) out.push({ type: "bias", values: Float32Array.from(bias.values) });
  return out;
}

/** [in, out] (in NHWC-flattened order when `flattenedFrom` is [H, W, C]) -> [out, in] in NCHW order. */
function denseKernel(shape: number[], w: Float32Array, flattenedFrom: number[] | null): Float32Array {
  const [inputs, outputs] = shape;
  const out = new Float32Array(inputs * outputs);
  const [h, wd, c] = flattenedFrom ?? [1, 1, inputs];
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < wd; x++) {
        const packedIn = (ch * h + y) * wd + x;
        const tfjsIn = (y * wd + x) * c + ch;
        for (let o = 0; o < outputs; o++) out[o * inputs + packedIn] = w[tfjsIn * outputs + o];
      }
    }
  }
  return out;
}

/** [KH, KW, C, O] -> [O, C, KH, KW]. */
function convKernel(shape: number[], w: Float32Array): Float32Array {
  const [kh, kw, c, o] = shape;
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let ch = 0; ch < c; ch++)
        for (let f = 0; f < o; f++)
          out[((f * c + ch) * kh + y) * kw + x] = w[((y * kw + x) * c + ch) * o + f];
  return out;
}

function pairOf(value: unknown): [number, number] {
  return Array.isArray(value) ? [Number(value[0]), Number(value[1])] : [Number(value), Number(value)];
}

/** tfjs "same" padding as the packed format's symmetric padding, when it is symmetric. */
function samePadding(layer: tf.layers.Layer, size: number, kernel: number, stride: number): number {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  if (total % 2 !== 0) unsupported(layer, `its "same" padding is asymmetric here (${total} pixels in all)`);
  return total / 2;
}

function convLayer(
  layer: tf.layers.Layer,
  config: Config,
  state: State,
  shape: number[],
  kernel: PackedKernel,
  binaryInput: boolean,
): PackedLayer {
  const [kh, kw, c, o] = shape;
  const [sh, sw] = pairOf(config.strides ?? 1);
  const dilation = pairOf(config.dilationRate ?? 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) unsupported(layer, "dilated convolutions have no packed form");
  if ((config.dataFormat ?? "channelsLast") !== "channelsLast")
    unsupported(layer, "only channelsLast is supported");
  const same = config.padding === "same";
  const [h, w] = state.shape;
  return {
    type: "conv2d",
    inChannels: c,
    outChannels: o,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: same ? samePadding(layer, h, kh, sh) : 0,
    padW: same ? samePadding(layer, w, kw, sw) : 0,
    binaryInput,
    kernel,
  };
}

function maxPool(layer: tf.layers.Layer, config: Config, state: State): PackedLayer {
  const [ph, pw] = pairOf(config.poolSize);
  const [sh, sw] = pairOf(config.strides ?? config.poolSize);
  if (ph !== pw || sh !== sw) unsupported(layer, "only square pools with equal strides have a packed form");
  if (config.padding !== "valid")
    unsupported(layer, `padding ${show(config.padding)}: only "valid" pooling has a packed form`);
  if (state.flow.kind === "signs") state.flow = { kind: "integer", bound: 1 };
  return { type: "max_pool2d", size: ph, stride: sh };
}

/** The batch-norm as a threshold measured with tfjs (sign next), else as a scale and shift. */
function batchNorm(
  layer: tf.layers.Layer,
  config: Config,
  state: State,
  nextSign: QuantizerName | null,
): PackedLayer {
  const axis = Number(config.axis ?? -1);
  if (axis !== -1 && axis !== state.shape.length)
    unsupported(layer, `axis ${axis}: only the last (channel) axis is supported`);
  const channels = state.shape[state.shape.length - 1];
  const domain = domainOf(state.flow);
  const rank = state.shape.length;
  if (nextSign !== null) {
    state.flow = { kind: "signs" };
    const sign = getQuantizer(nextSign);
    return measureThreshold(
      {
        name: layer.name,
        channels,
        positives(values, rows) {
          const out = tf.tidy(() => {
            const x = tf.tensor(values, [rows, ...Array<number>(rank - 1).fill(1), channels]);
            const y = layer.apply(x, { training: false }) as tf.Tensor;
            return sign(y).dataSync();
          });
          return Uint8Array.from(out, (v) => (v > 0 ? 1 : 0));
        },
      },
      domain,
    );
  }
  state.flow = { kind: "real" };
  const w = weightsOf(layer);
  const epsilon = Number(config.epsilon ?? 1e-3);
  const mean = w.get("moving_mean")?.values;
  const variance = w.get("moving_variance")?.values;
  if (mean === undefined || variance === undefined) unsupported(layer, "it has no moving statistics");
  const gamma = w.get("gamma")?.values;
  const beta = w.get("beta")?.values;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma === undefined ? 1 : gamma[c]) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta === undefined ? 0 : beta[c]) - mean[c] * scale[c];
  }
  return { type: "scale_shift", scale, shift };
}

/** Loads a saved model's artifacts (model.json's topology and the weights) with tfjs. */
export async function loadTfjsArtifacts(artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
