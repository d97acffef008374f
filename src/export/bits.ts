/**
 * The 1-bit weight encoding of the .bnn format: weight i is bit (i mod 8) of byte floor(i / 8),
 * set when the weight is -1. The quantizers map a latent weight w to +1 when w >= 0 (sign(0)
 * = +1) and to -1 otherwise (NaN included), so the bit is `!(w >= 0)`.
 */

/** Sign bits of latent weights, 1 bit each (ceil(n / 8) bytes). */
export function packSignBits(latent: Float32Array): Uint8Array {
  const bits = new Uint8Array(Math.ceil(latent.length / 8));
  for (let i = 0; i < latent.length; i++) {
    if (!(latent[i] >= 0)) bits[i >> 3] |= 1 << (i & 7);
  }
  return bits;
}

/** True when weight i is -1. */
export function bitIsNegative(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3] >> (i & 7)) & 1) === 1;
}

/** The weights as +-1 floats (for the float kernels of layers whose input is real). */
export function unpackSigns(bits: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = bitIsNegative(bits, i) ? -1 : 1;
  return out;
}
