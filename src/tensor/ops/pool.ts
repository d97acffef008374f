import { takeBuffer } from "../buffers.js";
import { getBackend, poolGeometry } from "../../kernels/index.js";
import { Tensor } from "../tensor.js";
import { outGrad } from "./grad.js";

/** Square pooling windows of `size` x `size`, every `stride` pixels (default: stride = size). */
export interface Pool2dOptions {
  size: number;
  stride?: number;
}

/**
 * Max pooling of x[N, C, H, W] -> [N, C, OH, OW], OH = floor((H - size) / stride) + 1 (no
 * padding). Backward routes each output gradient to its window's maximum; on ties, to the first
 * maximum in row-major order.
 * @example maxPool2d(x, { size: 2 }) // 28x28 -> 14x14
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry(x.shape, options.size, options.stride ?? options.size);
  const count = g.batch * g.channels * g.outHeight * g.outWidth;
  const y = takeBuffer(count, false);
  // The argmax indices go in a pooled buffer too (an Int32Array view of it), handed back
  // with the output by releaseGraph.
  const saved = takeBuffer(count, false);
  const argmax = new Int32Array(saved.buffer, 0, count);
  getBackend().kernels.maxPoolForward(x.data, g, y, argmax);
  const shape = [g.batch, g.channels, g.outHeight, g.outWidth];
  const backward = (out: Tensor): void => {
    getBackend().kernels.maxPoolBackward(outGrad(out), argmax, x.gradBuffer());
  };
  return Tensor.fromOp(y, shape, [x], backward, [saved]);
}

/**
 * Average pooling of x[N, C, H, W] -> [N, C, OH, OW] (same geometry as maxPool2d). Backward
 * spreads each output gradient evenly over its window.
 * @example avgPool2d(x, { size: 2, stride: 2 })
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry(x.shape, options.size, options.stride ?? options.size);
  const y = takeBuffer(g.batch * g.channels * g.outHeight * g.outWidth, false);
  getBackend().kernels.avgPoolForward(x.data, g, y);
  const shape = [g.batch, g.channels, g.outHeight, g.outWidth];
  return Tensor.fromOp(y, shape, [x], (out) => {
    getBackend().kernels.avgPoolBackward(outGrad(out), g, x.gradBuffer());
  });
}
