import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/** max(x, 0). Backward: dx += dy where x > 0. */
export function relu(x: Tensor): Tensor {
  const xd = x.data;
  const y = takeBuffer(x.size, false);
  for (let i = 0; i < y.length; i++) y[i] = xd[i] > 0 ? xd[i] : 0;
  return Tensor.fromOp(y, x.shape, [x], (out) => {
    const dy = outGrad(out);
    const dx = x.gradBuffer();
    for (let i = 0; i < dy.length; i++) if (xd[i] > 0) dx[i] += dy[i];
  });
}
