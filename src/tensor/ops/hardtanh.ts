import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/**
 * clip(x, -1, 1). Backward: dx += dy where |x| <= 1 (the boundary counts as inside, as in
 * larq's ste_sign, so a weight sitting exactly at the clip still receives gradient).
 */
export function hardtanh(x: Tensor): Tensor {
  const xd = x.data;
  const y = takeBuffer(x.size, false);
  for (let i = 0; i < y.length; i++) y[i] = xd[i] > 1 ? 1 : xd[i] < -1 ? -1 : xd[i];
  return Tensor.fromOp(y, x.shape, [x], (out) => {
    const dy = outGrad(out);
    const dx = x.gradBuffer();
    for (let i = 0; i < dy.length; i++) if (xd[i] >= -1 && xd[i] <= 1) dx[i] += dy[i];
  });
}
