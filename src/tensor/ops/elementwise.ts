import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/**
 * Generic element-wise op: y = f(x) with the derivative supplied by the caller, dx += dy *
 * df(x). df need not be the true derivative of f: it can be a pseudo-gradient (e.g. f = sign,
 * df = |x| <= 1 ? 1 : 0). One call of f and df per element: for sign itself use the `sign` op,
 * whose forward and straight-through backward are kernels.
 * @example elementwise(x, Math.tanh, (v) => 1 - Math.tanh(v) ** 2)
 */
export function elementwise(x: Tensor, f: (v: number) => number, df: (v: number) => number): Tensor {
  const xd = x.data;
  const y = takeBuffer(x.size, false);
  for (let i = 0; i < y.length; i++) y[i] = f(xd[i]);
  return Tensor.fromOp(y, x.shape, [x], (out) => {
    const dy = outGrad(out);
    const dx = x.gradBuffer();
    for (let i = 0; i < dy.length; i++) dx[i] += dy[i] * df(xd[i]);
  });
}
