/**
 * What flows between the steps of packed inference for a chunk of images. Values are float32
 * (pixels, real pre-activations, or exact integer sums). Signs (+-1) come in three layouts,
 * chosen by the threshold step for the layer that reads them, so that no step repacks bits:
 * - "signs": one byte per value, 1 for -1, NCHW (for layers that want values back);
 * - "rows": a dense layer's input, the flattened signs of each image packed 32 per word (bit
 *   set = -1), `rowWords` words per image;
 * - "pixels": a convolution's input, for each pixel of each image its channels' signs packed
 *   into `channelWords` words, [N, H, W, channelWords].
 */
export type Activations =
  | { kind: "values"; data: Float32Array; shape: readonly number[] }
  | { kind: "signs"; negative: Uint8Array; shape: readonly number[] }
  | { kind: "rows"; words: Uint32Array; rowWords: number; shape: readonly number[] }
  | { kind: "pixels"; words: Uint32Array; channelWords: number; shape: readonly number[] };

/** One layer of packed inference, run on a chunk of `batch` images. */
export interface Step {
  run(input: Activations, batch: number): Activations;
}

/** Number of values per sample. */
export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The signs as one byte per value (1 = -1), NCHW; values are binarized with v >= 0 (NaN: -1). */
export function asSigns(a: Activations, batch: number): Uint8Array {
  const size = sampleSize(a.shape);
  switch (a.kind) {
    case "signs":
      return a.negative;
    case "values": {
      const out = new Uint8Array(a.data.length);
      for (let i = 0; i < out.length; i++) out[i] = a.data[i] >= 0 ? 0 : 1;
      return out;
    }
    case "rows": {
      const out = new Uint8Array(batch * size);
      for (let n = 0; n < batch; n++) {
        for (let j = 0; j < size; j++)
          out[n * size + j] = (a.words[n * a.rowWords + (j >>> 5)] >>> (j & 31)) & 1;
      }
      return out;
    }
    case "pixels": {
      const channels = a.shape[0];
      const plane = size / channels;
      const out = new Uint8Array(batch * size);
      for (let n = 0; n < batch; n++) {
        for (let c = 0; c < channels; c++) {
          for (let i = 0; i < plane; i++) {
            const word = a.words[(n * plane + i) * a.channelWords + (c >>> 5)];
            out[(n * channels + c) * plane + i] = (word >>> (c & 31)) & 1;
          }
        }
      }
      return out;
    }
  }
}

/** The values, turning signs into +-1 floats. */
export function asValues(a: Activations, batch: number): Float32Array {
  if (a.kind === "values") return a.data;
  const negative = asSigns(a, batch);
  const out = new Float32Array(negative.length);
  for (let i = 0; i < out.length; i++) out[i] = negative[i] === 1 ? -1 : 1;
  return out;
}

/**
 * The input of a float product as values: with `binaryInput` (the layer quantizes its input),
 * real values become their +-1 signs, as the quantized input is in the engine.
 */
export function productInput(a: Activations, batch: number, binaryInput: boolean): Float32Array {
  return binaryInput && a.kind === "values"
    ? asValues({ kind: "signs", negative: asSigns(a, batch), shape: a.shape }, batch)
    : asValues(a, batch);
}
