/**
 * Dense layers of packed inference. With +-1 inputs and a 1-bit kernel: XNOR + popcount on
 * packed rows, an exact integer per output. Otherwise (real inputs, or a float kernel): the
 * engine's float matrix product on the +-1 (or float) kernel, the very call the training
 * engine's dense op makes, so the float rounding is the evaluation path's.
 */
import type { Kernels } from "../../kernels/index.js";
import { bitIsNegative, unpackSigns } from "../bits.js";
import type { DenseLayer } from "../format.js";
import { asSigns, productInput, sampleSize, type Activations, type Step } from "./activations.js";
import { Scratch } from "./scratch.js";
import { rowWords, xnorDot } from "./xnor.js";

/** Packs `rows` rows of `bits` sign flags (1 = -1) into rows of `words` Uint32 (zeroed `out`). */
export function packRows(
  negative: Uint8Array,
  rows: number,
  bits: number,
  words: number,
  out?: Uint32Array,
): Uint32Array {
  const packed = out ?? new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    const src = r * bits;
    const dst = r * words;
    for (let i = 0; i < bits; i++) {
      if (negative[src + i] === 1) packed[dst + (i >>> 5)] |= 1 << (i & 31);
    }
  }
  return packed;
}

/** `kernels` gives the float kernels of a real-valued product (plan.ts chooses them). */
export function denseStep(layer: DenseLayer, kernels: () => Kernels): Step {
  return layer.binaryInput && layer.kernel.kind === "bits"
    ? binaryDense(layer, layer.kernel.bits)
    : floatDense(layer, kernels);
}

function binaryDense(layer: DenseLayer, bits: Uint8Array): Step {
  const { inFeatures, outFeatures } = layer;
  const shape = [outFeatures];
  const words = rowWords(inFeatures);
  const flags = new Uint8Array(outFeatures * inFeatures);
  for (let i = 0; i < flags.length; i++) flags[i] = bitIsNegative(bits, i) ? 1 : 0;
  const weights = packRows(flags, outFeatures, inFeatures, words);
  const scratch = new Scratch();
  let pixelOrder: Uint32Array | null = null;
  return {
    run(input, batch) {
      const y = scratch.floats(1, batch * outFeatures);
      if (readsPixels(input, words)) {
        // Features in (H, W, C) order: the pixel words are the rows, no repacking.
        pixelOrder ??= toPixelOrder(weights, outFeatures, input.shape, words);
        const rows = evenRows(input.words, batch, words, scratch);
        xnorDot(batch, outFeatures, inFeatures, words, rows, pixelOrder, y);
      } else {
        const rows =
          input.kind === "rows" && input.rowWords === words
            ? input.words
            : packRows(asSigns(input, batch), batch, inFeatures, words, scratch.words(0, batch * words));
        xnorDot(batch, outFeatures, inFeatures, words, rows, weights, y);
      }
      return { kind: "values", data: y, shape };
    },
  };
}

/**
 * True for signs packed per pixel whose channels fill whole words (C a multiple of 32): each
 * image's words are then its signs in (H, W, C) order without gaps, a row but for the padding
 * word `evenRows` adds when their count is odd.
 */
function readsPixels(input: Activations, words: number): input is Extract<Activations, { kind: "pixels" }> {
  if (input.kind !== "pixels" || input.shape[0] % 32 !== 0) return false;
  return rowWords(sampleSize(input.shape)) === words;
}

/** The pixel words as rows of `words` (an even count): as they are, or with a zero word added per image. */
function evenRows(pixels: Uint32Array, batch: number, words: number, scratch: Scratch): Uint32Array {
  const perImage = pixels.length / batch;
  if (perImage === words) return pixels;
  const rows = scratch.words(0, batch * words);
  for (let n = 0; n < batch; n++) rows.set(pixels.subarray(n * perImage, (n + 1) * perImage), n * words);
  return rows;
}

/** The kernel rows with each feature moved from (C, H, W) order to (H, W, C) order. */
function toPixelOrder(
  weights: Uint32Array,
  outFeatures: number,
  shape: readonly number[],
  words: number,
): Uint32Array {
  const [channels, height, width] = shape;
  const plane = height * width;
  const out = new Uint32Array(weights.length);
  for (let o = 0; o < outFeatures; o++) {
    const row = o * words;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) {
        const from = c * plane + p;
        const to = p * channels + c;
        const bit = (weights[row + (from >>> 5)] >>> (from & 31)) & 1;
        out[row + (to >>> 5)] |= bit << (to & 31);
      }
    }
  }
  return out;
}

function floatDense(layer: DenseLayer, kernels: () => Kernels): Step {
  const { inFeatures, outFeatures } = layer;
  const shape = [outFeatures];
  const kernel =
    layer.kernel.kind === "bits"
      ? unpackSigns(layer.kernel.bits, outFeatures * inFeatures)
      : layer.kernel.values;
  const scratch = new Scratch();
  return {
    run(input, batch) {
      // A binary input on a float kernel: the quantized input is +-1 floats, as in the engine.
      const x = productInput(input, batch, layer.binaryInput);
      const y = scratch.floats(0, batch * outFeatures);
      kernels().gemm(false, true, batch, outFeatures, inFeatures, 1, x, kernel, 0, y);
      return { kind: "values", data: y, shape };
    },
  };
}
