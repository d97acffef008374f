/**
 * The folded batch-norm + sign: -1 unless (x >= threshold[c]) XOR flip[c]. The comparison is
 * the float32 one the fold was derived for. The step writes the signs straight into the bit
 * layout of the layer that reads them (see activations.ts), so no separate packing pass runs.
 */
import type { ChannelLayout } from "../../kernels/kernels.js";
import type { ThresholdLayer } from "../format.js";
import { asValues, sampleSize, type Activations, type Step } from "./activations.js";
import { Scratch } from "./scratch.js";
import { packedKernels, rowWords } from "./xnor.js";

/** A threshold layer's per-channel thresholds and flips. */
type Thresholds = Pick<ThresholdLayer, "thresholds" | "flip">;

/** Who reads the signs: a binary dense layer, a binary convolution, or anything else. */
export type SignLayout = "rows" | "pixels" | "signs";

export function thresholdStep(layer: ThresholdLayer, layout: SignLayout): Step {
  const scratch = new Scratch();
  return {
    run(input, batch): Activations {
      const x = asValues(input, batch);
      const shape = input.shape;
      const channels = shape[0];
      const spatial = sampleSize(shape) / channels;
      const l = { batch, channels, spatial };
      if (layout === "rows") {
        const words = rowWords(channels * spatial);
        const out = scratch.words(0, batch * words);
        toRows(x, l, layer, words, out);
        return { kind: "rows", words: out, rowWords: words, shape };
      }
      if (layout === "pixels") {
        const channelWords = Math.ceil(channels / 32);
        const out = scratch.words(0, batch * spatial * channelWords);
        toPixels(x, l, layer, channelWords, out);
        return { kind: "pixels", words: out, channelWords, shape };
      }
      const negative = scratch.bytes(0, x.length);
      toSigns(x, l, layer, negative);
      return { kind: "signs", negative, shape };
    },
  };
}

function toSigns(x: Float32Array, l: ChannelLayout, t: Thresholds, negative: Uint8Array): void {
  const { batch, channels, spatial } = l;
  const { thresholds, flip } = t;
  let i = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const t = thresholds[c];
      const notFlip = flip[c] ^ 1;
      for (const end = i + spatial; i < end; i++) negative[i] = Number(x[i] >= t) ^ notFlip;
    }
  }
}

/**
 * Writes x's signs into the zeroed `out` in a packed layout; `words` is the layout's stride in
 * words (an image's row for rows, a pixel's channels for pixels).
 */
type SignPacker = (x: Float32Array, l: ChannelLayout, t: Thresholds, words: number, out: Uint32Array) => void;

/** Each image's signs in flattened (C, H, W) order, 32 per word (zeroed `out`); natively when possible. */
export const toRows: SignPacker = (x, l, t, words, out) => {
  const packed = packedKernels();
  if (packed !== null) packed.thresholdRows(x, l, t.thresholds, t.flip, words, out);
  else packRows(x, l, t, words, out);
};

/**
 * For each pixel, its channels' signs: [N, H, W, channelWords] (zeroed `out`); natively while
 * the native kernels are in use (the same bits).
 */
export const toPixels: SignPacker = (x, l, t, channelWords, out) => {
  const packed = packedKernels();
  if (packed !== null) packed.thresholdPixels(x, l, t.thresholds, t.flip, out);
  else packPixels(x, l, t, channelWords, out);
};

const packRows: SignPacker = (x, { batch, channels, spatial }, { thresholds, flip }, words, out) => {
  let i = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * words;
    let j = 0;
    for (let c = 0; c < channels; c++) {
      const t = thresholds[c];
      const notFlip = flip[c] ^ 1;
      // Branch-free: the signs are data, a branch on them would mispredict half the time.
      for (let s = 0; s < spatial; s++, i++, j++) {
        out[row + (j >>> 5)] |= (Number(x[i] >= t) ^ notFlip) << (j & 31);
      }
    }
  }
};

const packPixels: SignPacker = (x, { batch, channels, spatial }, { thresholds, flip }, channelWords, out) => {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const t = thresholds[c];
      const notFlip = flip[c] ^ 1;
      const shift = c & 31;
      const src = (n * channels + c) * spatial;
      let dst = n * spatial * channelWords + (c >>> 5);
      for (let s = 0; s < spatial; s++, dst += channelWords) {
        out[dst] |= (Number(x[src + s] >= t) ^ notFlip) << shift;
      }
    }
  }
};
