import { takeBuffer } from "../buffers.js";
import { getBackend } from "../../kernels/index.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/**
 * sign's gradient: a function of x, or "approx" for Bi-Real Net's 2 - 2|x| on [-1, 1] (0
 * outside), which a kernel runs in one pass.
 */
export type PseudoGradient = "approx" | ((v: number) => number);

/**
 * Binarization: y = +1 where x >= 0, else -1 (so sign(0) = +1 and every output is exactly
 * +-1). Backward: dx += dy * pseudoGradient(x). Without `pseudoGradient` it is the
 * straight-through estimator, 1 where |x| <= 1 and 0 outside, run by the kernels in one pass,
 * as is "approx" (Bi-Real's approximation); SwishSign passes its own as a function.
 * @example sign(x) // larq's ste_sign
 */
export function sign(x: Tensor, pseudoGradient?: PseudoGradient): Tensor {
  const y = takeBuffer(x.size, false);
  getBackend().kernels.signForward(x.data, y);
  return Tensor.fromOp(y, x.shape, [x], (out) => {
    const dy = outGrad(out);
    const dx = x.gradBuffer();
    const kernels = getBackend().kernels;
    if (pseudoGradient === undefined) kernels.steBackward(x.data, dy, dx);
    else if (pseudoGradient === "approx") kernels.approxSignBackward(x.data, dy, dx);
    else {
      const xd = x.data;
      for (let i = 0; i < dy.length; i++) dx[i] += dy[i] * pseudoGradient(xd[i]);
    }
  });
}
