/**
 * Small pieces of the spec shared by several algorithms.
 *
 * A note on selects in the update loops. Where an element-wise choice depends on the data
 * (vmax <- max(vmax, v), BAMSProd's projection of V, Bop's signs), which way it goes is
 * unpredictable once training settles, and a mispredicted branch costs more than the rest of
 * the loop body (measured: ~3x on such data). Those loops select with 0/1 factors instead:
 * k = Number(a > b); k*a + (1-k)*b, which V8 compiles without a branch. This is exact (one
 * product is the value, the other +0) as long as both operands are finite, which the step's
 * gradient check (|g| <= 1e19, see params.ts) guarantees for the moments. Clamps that rarely
 * bind (the clip of x) use Math.min/Math.max, which read like the spec; a conditional
 * expression there would make V8 box every x when clip is a small integer (measured: 2x).
 */

/**
 * Line 11's bound: binary latent tensors are projected into [-clip, clip]; real tensors, or
 * clip null, get an infinite bound so that the projection in the fused loop changes nothing.
 */
export function clipBound(binary: boolean, clip: number | null): number {
  return binary && clip !== null ? clip : Infinity;
}

/** Line 1's factor: decoupled (AdamW-style) weight decay multiplies x by 1 - lr*weightDecay. */
export function decayFactor(lr: number, weightDecay: number): number {
  return 1 - lr * weightDecay;
}
