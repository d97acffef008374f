/**
 * Which images the packed model's agreement promise covers (docs/format.md, "What the packed
 * model promises"). Every step of packed inference is exact, except the float32 sums of a
 * real-valued layer (a real input, or a float kernel), whose rounding depends on the order the
 * kernel sums in: another BLAS, CPU, batch size or thread count may round each of them
 * differently, by at most gamma_k * sum |x_i w_i| (k the fan-in, gamma_k = k u / (1 - k u),
 * u = 2^-24), so two kernels' values lie at most twice that apart. A sign taken from such a
 * value (bias and max-pooling in between are monotone and keep the bound) can then differ only
 * where the value lies that close to its threshold. An image is certain when none of its values
 * does: its logits are the same whatever kernels sum the real-valued layers.
 */
import { convGeometry, getBackend } from "../../kernels/index.js";
import { allLayers, type Conv2DLayer, type DenseLayer, type PackedLayer } from "../format.js";
import { asValues, sampleSize, type Activations } from "./activations.js";

const U = 2 ** -24;

/** The relative error bound of a float32 sum of k terms in any order. */
function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

/** Whether a layer sums rounded float32 products (so its result depends on the summation order). */
export function roundsSums(layer: PackedLayer): layer is DenseLayer | Conv2DLayer {
  return (
    (layer.type === "dense" || layer.type === "conv2d") &&
    !(layer.binaryInput && layer.kernel.kind === "bits")
  );
}

/**
 * Per image and output position of the layer that rounded (one position for a dense layer),
 * how far apart two kernels' values may lie; 0 where the sum is exact in every order.
 */
interface Bounds {
  values: Float64Array;
  positions: number;
}

/** Tracks one chunk of images through the steps: `uncertain[n]` is set for image n when its signs may differ. */
export class CertaintyCheck {
  /** Set while rounded values flow (from a real-valued layer to the sign they meet). */
  private bounds: Bounds | null = null;

  constructor(readonly uncertain: Uint8Array) {}

  /** Called with each layer, its input shape and its input, before the layer runs. */
  see(layer: PackedLayer, inShape: readonly number[], input: Activations, batch: number): void {
    if (this.bounds !== null) {
      if (layer.type === "bias") return;
      if (layer.type === "max_pool2d" || layer.type === "flatten") {
        this.bounds = perImage(this.bounds, batch); // positions move: keep each image's largest bound
        return;
      }
      const values = (): Float32Array => asValues(input, batch);
      if (layer.type === "threshold")
        flagNear(layer.thresholds, values(), batch, this.bounds, this.uncertain);
      else if ((layer.type === "dense" || layer.type === "conv2d") && layer.binaryInput)
        flagNear(new Float32Array(inShape[0]), values(), batch, this.bounds, this.uncertain); // sign: threshold 0
      else this.uncertain.fill(1); // another transformation of rounded values: no bound kept through it
      this.bounds = null;
    }
    if (roundsSums(layer)) this.bounds = roundingBounds(layer, inShape, input, batch);
    // A residual block runs its own steps: no bound is tracked through them.
    if (layer.type === "residual" && allLayers([layer]).some(roundsSums)) this.uncertain.fill(1);
  }

  /** Called after the last layer: rounded values that reach the logits leave no promise. */
  finish(): void {
    if (this.bounds !== null) this.uncertain.fill(1);
    this.bounds = null;
  }
}

function perImage(b: Bounds, batch: number): Bounds {
  if (b.positions === 1) return b;
  const values = new Float64Array(batch);
  for (let n = 0; n < batch; n++)
    for (let p = 0; p < b.positions; p++) values[n] = Math.max(values[n], b.values[n * b.positions + p]);
  return { values, positions: 1 };
}

/**
 * Twice the rounding bound of each output: 2 gamma_k sum |x_i| max |w|, or 0 where every input
 * is an integer (with 1-bit weights and |sum| < 2^24 every partial sum is then exact).
 */
function roundingBounds(
  layer: DenseLayer | Conv2DLayer,
  inShape: readonly number[],
  input: Activations,
  batch: number,
): Bounds {
  const x = asValues(input, batch);
  const magnitudes = layer.binaryInput ? new Float32Array(x.length).fill(1) : x.map(Math.abs);
  const fractional = magnitudes.map((v) => (Number.isInteger(v) ? 0 : 1));
  const bits = layer.kernel.kind === "bits";
  const wmax = bits
    ? 1
    : (layer.kernel as { values: Float32Array }).values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const bound = (k: number, sum: number, fractions: number): number =>
    bits && fractions === 0 && sum < 2 ** 24 ? 0 : 2 * gamma(k) * sum * wmax * (1 + 2 ** -10);
  if (layer.type === "dense") {
    const size = sampleSize(inShape);
    const values = new Float64Array(batch);
    for (let n = 0; n < batch; n++) {
      let sum = 0;
      let fractions = 0;
      for (let i = n * size; i < (n + 1) * size; i++) {
        sum += magnitudes[i];
        fractions += fractional[i];
      }
      values[n] = bound(layer.inFeatures, sum, fractions);
    }
    return { values, positions: 1 };
  }
  // A convolution: each output's sums over its window (convolutions with a kernel of ones,
  // exact for the counts of fractional inputs).
  const { inChannels: c, kernelH, kernelW } = layer;
  const g = convGeometry(
    [batch, ...inShape],
    [1, c, kernelH, kernelW],
    [layer.strideH, layer.strideW],
    [layer.padH, layer.padW],
  );
  const ones = new Float32Array(c * kernelH * kernelW).fill(1);
  const positions = g.outHeight * g.outWidth;
  const sums = new Float32Array(batch * positions);
  const fractions = new Float32Array(batch * positions);
  getBackend().kernels.conv2dForward(magnitudes, ones, g, sums);
  getBackend().kernels.conv2dForward(fractional, ones, g, fractions);
  const values = new Float64Array(batch * positions);
  for (let i = 0; i < values.length; i++) values[i] = bound(c * kernelH * kernelW, sums[i], fractions[i]);
  return { values, positions };
}

/**
 * Marks the images with a rounded value within its bound of its channel's threshold (widened
 * by 4 ulps of the threshold for a bias's rounding in between).
 */
function flagNear(
  thresholds: Float32Array,
  v: Float32Array,
  batch: number,
  bounds: Bounds,
  uncertain: Uint8Array,
): void {
  const channels = thresholds.length;
  const spatial = v.length / batch / channels;
  const { values, positions } = bounds;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels && uncertain[n] === 0; c++) {
      const t = thresholds[c];
      if (!Number.isFinite(t)) continue; // a constant sign
      const start = (n * channels + c) * spatial;
      for (let s = 0; s < spatial; s++) {
        const bound = values[n * positions + (positions === 1 ? 0 : s)];
        if (bound > 0 && !(Math.abs(v[start + s] - t) > bound + 4 * U * Math.abs(t))) {
          uncertain[n] = 1;
          break;
        }
      }
    }
  }
}
