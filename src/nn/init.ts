/** Seeded weight initialisation. */
import type { Rng } from "../util/random.js";

/**
 * Glorot (Xavier) uniform: U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)), the Keras
 * and larq default. Keeps the activation variance roughly constant through the layers; for
 * binary kernels it also starts latent weights well inside the [-1, 1] clip.
 */
export function glorotUniform(size: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * limit;
  return out;
}
