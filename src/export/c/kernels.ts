/**
 * The kernels of packed layers as C constants: binary kernels as uint32_t words in the layout
 * the generated loops read, float kernels as float arrays.
 */
import { bitIsNegative } from "../bits.js";
import type { Conv2DLayer, DenseLayer } from "../format.js";
import { floatArray, wordArray } from "./literals.js";

/** Rows of `bits` signs, each padded to whole words: [rows][ceil(bits / 32)], bit set = -1. */
export function rowWords(packed: Uint8Array, rows: number, bits: number): Uint32Array {
  const words = Math.ceil(bits / 32);
  const out = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < bits; i++) {
      if (bitIsNegative(packed, r * bits + i)) out[r * words + (i >>> 5)] |= 1 << (i & 31);
    }
  }
  return out;
}

/** A conv kernel [O, C, KH, KW] as [O][KH][KW][ceil(C / 32)] words of channel signs. */
export function tapWords(layer: Conv2DLayer, packed: Uint8Array): Uint32Array {
  const { outChannels: o, inChannels: c, kernelH: kh, kernelW: kw } = layer;
  const cw = Math.ceil(c / 32);
  const out = new Uint32Array(o * kh * kw * cw);
  for (let f = 0; f < o; f++) {
    for (let ch = 0; ch < c; ch++) {
      for (let t = 0; t < kh * kw; t++) {
        if (bitIsNegative(packed, (f * c + ch) * kh * kw + t))
          out[(f * kh * kw + t) * cw + (ch >>> 5)] |= 1 << (ch & 31);
      }
    }
  }
  return out;
}

/**
 * The kernel of a layer computed in float arithmetic (its input is real, or its kernel is), as a
 * constant named `name` and the C expression of weight `index` times the double `x`.
 */
export function floatKernel(
  layer: DenseLayer | Conv2DLayer,
  count: number,
  name: string,
): { constant: string; times: (index: string, x: string) => string } {
  if (layer.kernel.kind === "float") {
    return {
      constant: floatArray(name, layer.kernel.values),
      times: (index, x) => `${x} * (double)${name}[${index}]`,
    };
  }
  return {
    constant: wordArray(name, rowWords(layer.kernel.bits, 1, count)),
    times: (index, x) => `((${name}[(${index}) >> 5] >> ((${index}) & 31u)) & 1u ? -${x} : ${x})`,
  };
}
