/**
 * Convolutions of packed inference.
 *
 * Binary (+-1 input, 1-bit kernel): the input arrives as each pixel's channel signs packed in
 * ceil(C/32) words; an output position's receptive field is the concatenation of its taps'
 * words (im2col on bits: whole-word copies), and XNOR + popcount multiplies the kernel rows,
 * laid out the same way, with those fields: [O, positions] per image, already NCHW.
 * Zero padding: the training engine pads with 0, so a tap outside the image contributes 0,
 * not +-1. Its packed bits are 0 (read as +1), which adds the kernel's sum over that tap; that
 * sum, and the always-matching filler bits, are precomputed per (filter, position) and
 * subtracted, so the result is the exact integer the engine computes.
 *
 * Otherwise: the engine's float convolution on the +-1 (or float) kernel, as in evaluation.
 */
import { convGeometry, type ConvGeometry, type Kernels } from "../../kernels/index.js";
import type { PackedKernels } from "../../kernels/packed.js";
import { bitIsNegative, unpackSigns } from "../bits.js";
import type { Conv2DLayer, ThresholdLayer } from "../format.js";
import { asSigns, productInput, type Activations, type Step } from "./activations.js";
import { Scratch } from "./scratch.js";
import { toPixels } from "./threshold.js";
import { packedKernels, portableXnorProduct, rowWords } from "./xnor.js";

interface Geometry {
  channels: number;
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
}

/**
 * `kernels` gives the float kernels of a real-valued convolution (plan.ts chooses them). A
 * binary convolution given the `threshold` that follows it applies it too and returns the signs
 * packed per pixel (natively in one pass, so its sums are never written out).
 */
export function convStep(
  layer: Conv2DLayer,
  inShape: readonly number[],
  kernels: () => Kernels,
  threshold: ThresholdLayer | null = null,
): Step {
  const [channels, height, width] = inShape;
  const outHeight = Math.floor((height + 2 * layer.padH - layer.kernelH) / layer.strideH) + 1;
  const outWidth = Math.floor((width + 2 * layer.padW - layer.kernelW) / layer.strideW) + 1;
  const g: Geometry = { channels, height, width, outHeight, outWidth };
  return layer.binaryInput && layer.kernel.kind === "bits"
    ? binaryConv(layer, layer.kernel.bits, g, threshold)
    : floatConv(layer, g, kernels);
}

function floatConv(layer: Conv2DLayer, g: Geometry, kernels: () => Kernels): Step {
  const wShape = [layer.outChannels, g.channels, layer.kernelH, layer.kernelW];
  const count = wShape.reduce((a, b) => a * b, 1);
  const kernel = layer.kernel.kind === "bits" ? unpackSigns(layer.kernel.bits, count) : layer.kernel.values;
  const shape = [layer.outChannels, g.outHeight, g.outWidth];
  const scratch = new Scratch();
  return {
    run(input, batch) {
      const x = productInput(input, batch, layer.binaryInput);
      const geometry = convGeometry(
        [batch, g.channels, g.height, g.width],
        wShape,
        [layer.strideH, layer.strideW],
        [layer.padH, layer.padW],
      );
      const y = scratch.floats(0, batch * layer.outChannels * g.outHeight * g.outWidth);
      kernels().conv2dForward(x, kernel, geometry, y);
      return { kind: "values", data: y, shape };
    },
  };
}

function binaryConv(
  layer: Conv2DLayer,
  bits: Uint8Array,
  g: Geometry,
  threshold: ThresholdLayer | null,
): Step {
  const channelWords = Math.ceil(g.channels / 32);
  const shape = [layer.outChannels, g.outHeight, g.outWidth];
  const scratch = new Scratch();
  const pixelsOf = (input: Activations, batch: number): Uint32Array =>
    input.kind === "pixels" && input.channelWords === channelWords
      ? input.words
      : packPixels(
          asSigns(input, batch),
          batch,
          g,
          channelWords,
          scratch.words(0, batch * g.height * g.width * channelWords),
        );
  // Each form prepares its kernel operands on first use: the kernels in use may change.
  let native: NativeConv | null = null;
  let portable: ConvRun | null = null;
  const outWords = Math.ceil(layer.outChannels / 32);
  return {
    run(input, batch) {
      const pixels = pixelsOf(input, batch);
      const packed = packedKernels();
      const fast = packed === null ? null : (native ??= nativeBinaryConv(packed, layer, bits, g, scratch));
      if (threshold !== null) {
        const out = scratch.words(3, batch * g.outHeight * g.outWidth * outWords);
        if (fast !== null) fast.signs(pixels, batch, threshold, out);
        else {
          const y = (portable ??= portableBinaryConv(layer, bits, g, channelWords, scratch))(pixels, batch);
          const l = { batch, channels: layer.outChannels, spatial: g.outHeight * g.outWidth };
          toPixels(y, l, threshold, outWords, out);
        }
        return { kind: "pixels", words: out, channelWords: outWords, shape };
      }
      const y =
        fast !== null
          ? fast.values(pixels, batch)
          : (portable ??= portableBinaryConv(layer, bits, g, channelWords, scratch))(pixels, batch);
      return { kind: "values", data: y, shape };
    },
  };
}

/** A binary convolution of a chunk of packed pixels: [batch, O, OH, OW] values in scratch slot 2. */
type ConvRun = (pixels: Uint32Array, batch: number) => Float32Array;

/** The addon's XNOR convolution: its sums, or their thresholded signs (zeroed `out` not needed). */
interface NativeConv {
  values: ConvRun;
  signs(pixels: Uint32Array, batch: number, threshold: ThresholdLayer, out: Uint32Array): void;
}

/** The addon's XNOR convolution, fed the packed pixels; it skips padded taps: no correction. */
function nativeBinaryConv(
  packed: PackedKernels,
  layer: Conv2DLayer,
  bits: Uint8Array,
  g: Geometry,
  scratch: Scratch,
): NativeConv {
  const { kernelH, kernelW, outChannels } = layer;
  const kernelSigns = unpackSigns(bits, outChannels * g.channels * kernelH * kernelW); // +-1
  const geometry = (batch: number): ConvGeometry =>
    convGeometry(
      [batch, g.channels, g.height, g.width],
      [outChannels, g.channels, kernelH, kernelW],
      [layer.strideH, layer.strideW],
      [layer.padH, layer.padW],
    );
  return {
    values(pixels, batch) {
      const y = scratch.floats(2, batch * outChannels * g.outHeight * g.outWidth);
      packed.binaryConv2dPixels(pixels, kernelSigns, geometry(batch), y);
      return y;
    },
    signs(pixels, batch, threshold, out) {
      packed.binaryConv2dThresholdPixels(
        pixels,
        kernelSigns,
        geometry(batch),
        threshold.thresholds,
        threshold.flip,
        out,
      );
    },
  };
}

/** In TypeScript: im2col of bit words, the XNOR product, then the padding correction. */
function portableBinaryConv(
  layer: Conv2DLayer,
  bits: Uint8Array,
  g: Geometry,
  channelWords: number,
  scratch: Scratch,
): ConvRun {
  const { outChannels } = layer;
  const taps = layer.kernelH * layer.kernelW;
  const words = rowWords(taps * channelWords * 32);
  const { weights, tapSums } = packKernel(layer, bits, g.channels, channelWords, words);
  const correction = paddingCorrection(layer, g, tapSums, 32 * words - taps * g.channels);
  const positions = g.outHeight * g.outWidth;
  const imageWords = g.height * g.width * channelWords;
  return (pixels, batch) => {
    // Zeroed once: padded taps are never written, so they stay 0 for every image.
    const fields = scratch.words(1, positions * words);
    const y = scratch.floats(2, batch * outChannels * positions);
    // One image at a time: its product [O, positions] is already NCHW and stays in cache
    // (measured: less CPU than one product for the whole chunk plus a reordering pass).
    for (let n = 0; n < batch; n++) {
      im2colBits(pixels.subarray(n * imageWords), layer, g, channelWords, words, fields);
      const out = y.subarray(n * outChannels * positions, (n + 1) * outChannels * positions);
      portableXnorProduct(outChannels, positions, words, weights, fields, out);
      for (let i = 0; i < out.length; i++) out[i] -= correction[i];
    }
    return y;
  };
}

/**
 * Kernel rows in tap-major order (tap t = kh * KW + kw, then channel words), and the sum of
 * each filter's signs per tap (what a padded tap wrongly adds).
 */
function packKernel(
  layer: Conv2DLayer,
  bits: Uint8Array,
  channels: number,
  channelWords: number,
  words: number,
): { weights: Uint32Array; tapSums: Int32Array } {
  const taps = layer.kernelH * layer.kernelW;
  const weights = new Uint32Array(layer.outChannels * words);
  const tapSums = new Int32Array(layer.outChannels * taps);
  for (let o = 0; o < layer.outChannels; o++) {
    for (let c = 0; c < channels; c++) {
      for (let t = 0; t < taps; t++) {
        const negative = bitIsNegative(bits, (o * channels + c) * taps + t);
        if (negative) weights[o * words + t * channelWords + (c >>> 5)] |= 1 << (c & 31);
        tapSums[o * taps + t] += negative ? -1 : 1;
      }
    }
  }
  return { weights, tapSums };
}

/** Per (filter, position): the filler bits (always matching) plus the sums of the padded taps. */
function paddingCorrection(
  layer: Conv2DLayer,
  g: Geometry,
  tapSums: Int32Array,
  fillerBits: number,
): Int32Array {
  const taps = layer.kernelH * layer.kernelW;
  const positions = g.outHeight * g.outWidth;
  const out = new Int32Array(layer.outChannels * positions).fill(fillerBits);
  for (let oh = 0; oh < g.outHeight; oh++) {
    for (let ow = 0; ow < g.outWidth; ow++) {
      const p = oh * g.outWidth + ow;
      for (let kh = 0; kh < layer.kernelH; kh++) {
        for (let kw = 0; kw < layer.kernelW; kw++) {
          const ih = oh * layer.strideH - layer.padH + kh;
          const iw = ow * layer.strideW - layer.padW + kw;
          if (ih >= 0 && ih < g.height && iw >= 0 && iw < g.width) continue;
          const t = kh * layer.kernelW + kw;
          for (let o = 0; o < layer.outChannels; o++) out[o * positions + p] += tapSums[o * taps + t];
        }
      }
    }
  }
  return out;
}

/** Sign flags [N, C, H, W] -> per pixel, the channels' bits: [N, H, W, channelWords] (zeroed `out`). */
function packPixels(
  negative: Uint8Array,
  batch: number,
  g: Geometry,
  channelWords: number,
  out: Uint32Array,
): Uint32Array {
  const plane = g.height * g.width;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < g.channels; c++) {
      const src = (n * g.channels + c) * plane;
      const word = c >>> 5;
      const bit = 1 << (c & 31);
      for (let i = 0; i < plane; i++) {
        if (negative[src + i] === 1) out[(n * plane + i) * channelWords + word] |= bit;
      }
    }
  }
  return out;
}

/** One image: a row of `words` per output position, its receptive field's pixel words (0 where padded). */
function im2colBits(
  pixels: Uint32Array,
  layer: Conv2DLayer,
  g: Geometry,
  channelWords: number,
  words: number,
  rows: Uint32Array,
): void {
  for (let oh = 0; oh < g.outHeight; oh++) {
    for (let ow = 0; ow < g.outWidth; ow++) {
      const row = (oh * g.outWidth + ow) * words;
      for (let kh = 0; kh < layer.kernelH; kh++) {
        const ih = oh * layer.strideH - layer.padH + kh;
        if (ih < 0 || ih >= g.height) continue;
        for (let kw = 0; kw < layer.kernelW; kw++) {
          const iw = ow * layer.strideW - layer.padW + kw;
          if (iw < 0 || iw >= g.width) continue;
          const src = (ih * g.width + iw) * channelWords;
          const dst = row + (kh * layer.kernelW + kw) * channelWords;
          for (let w = 0; w < channelWords; w++) rows[dst + w] = pixels[src + w];
        }
      }
    }
  }
}
