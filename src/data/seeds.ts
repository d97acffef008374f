/** murmur3's 32-bit finalizer: a bijection that spreads every input bit over the output. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Combines integers (a run seed, an epoch, a batch index, a purpose tag) into one 32-bit seed.
 * Order matters, and nearby inputs give unrelated outputs, so (seed 1, epoch 0) and
 * (seed 0, epoch 1) do not share a stream as a plain sum or XOR would.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) h = fmix32((h ^ fmix32((p >>> 0) + 0x7f4a7c15)) + 0x165667b1);
  return h;
}
