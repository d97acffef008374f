/**
 * Max-pooling between a binary convolution and a threshold, done on bits: the convolution
 * thresholds every position (conv.ts, fused), then this step pools the sign words with AND / OR.
 *
 * Why it is the same function: a threshold is monotone. Where +1 means s >= T (flip 0),
 * sign(max(window)) is +1 iff some s in the window is >= T, so the pooled -1 bit is the AND of
 * the window's -1 bits. Where +1 means s < T (flip 1), sign(max(window)) is +1 iff every s is
 * < T, so the pooled -1 bit is the OR. Constant channels give constant bits either way. Integer
 * sums are never NaN, the one value that would break the equivalence.
 *
 * Pooling 32 channels per word operation replaces a float max per channel and position.
 */
import type { MaxPool2DLayer, ThresholdLayer } from "../format.js";
import type { Step } from "./activations.js";
import { Scratch } from "./scratch.js";

/** Pools the per-pixel signs a binary convolution fused with `threshold` gives. */
export function signPoolStep(pool: MaxPool2DLayer, threshold: ThresholdLayer): Step {
  const channels = threshold.thresholds.length;
  const channelWords = Math.ceil(channels / 32);
  // Per word: bits of the channels whose pooled sign is the OR of -1 bits (flip 1).
  const orMask = new Uint32Array(channelWords);
  threshold.flip.forEach((f, c) => (orMask[c >>> 5] |= f << (c & 31)));
  const scratch = new Scratch();
  return {
    run(input, batch) {
      if (input.kind !== "pixels") throw new Error("signPoolStep: the fused convolution gives pixels");
      const [, height, width] = input.shape;
      const outH = Math.floor((height - pool.size) / pool.stride) + 1;
      const outW = Math.floor((width - pool.size) / pool.stride) + 1;
      const out = scratch.words(0, batch * outH * outW * channelWords);
      const g = { batch, height, width, outH, outW, channelWords };
      poolWords(input.words, g, pool.size, pool.stride, orMask, out);
      return { kind: "pixels", words: out, channelWords, shape: [channels, outH, outW] };
    },
  };
}

function poolWords(
  full: Uint32Array,
  g: { batch: number; height: number; width: number; outH: number; outW: number; channelWords: number },
  size: number,
  stride: number,
  orMask: Uint32Array,
  out: Uint32Array,
): void {
  const cw = g.channelWords;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    const image = n * g.height * g.width;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let w = 0; w < cw; w++, o++) {
          let all = -1;
          let any = 0;
          for (let kh = 0; kh < size; kh++) {
            const row = image + (oh * stride + kh) * g.width + ow * stride;
            for (let kw = 0; kw < size; kw++) {
              const v = full[(row + kw) * cw + w];
              all &= v;
              any |= v;
            }
          }
          out[o] = (all & ~orMask[w]) | (any & orMask[w]);
        }
      }
    }
  }
}
