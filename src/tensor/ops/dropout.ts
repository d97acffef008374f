import type { Rng } from "../../util/random.js";
import { BamsprodError, show } from "../../util/errors.js";
import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/**
 * Inverted dropout: in training, each element is zeroed with probability p (drawn from `rng`,
 * one uniform per element in order, so a seed fixes the mask) and the survivors are scaled by
 * 1 / (1 - p), so evaluation is the identity. Not training, or p = 0: returns x itself.
 * Backward: dx += dy * mask.
 * @example dropout(x, 0.2, ctx.rng, ctx.training)
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) {
    throw new BamsprodError(`dropout: rate must be in [0, 1), got ${show(p)}`);
  }
  if (!training || p === 0) return x;
  const keep = 1 / (1 - p);
  const mask = takeBuffer(x.size, false);
  const y = takeBuffer(x.size, false);
  const xd = x.data;
  for (let i = 0; i < mask.length; i++) {
    mask[i] = rng.uniform() < p ? 0 : keep;
    y[i] = xd[i] * mask[i];
  }
  const backward = (out: Tensor): void => {
    const dy = outGrad(out);
    const dx = x.gradBuffer();
    for (let i = 0; i < dy.length; i++) dx[i] += dy[i] * mask[i];
  };
  return Tensor.fromOp(y, x.shape, [x], backward, [mask]);
}
