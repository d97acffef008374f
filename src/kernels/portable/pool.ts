/**
 * Portable max and average pooling over square windows without padding, on NCHW planes.
 * Every (n, c) plane is pooled independently; windows are size x size, stepping by stride.
 */
import type { PoolGeometry } from "../kernels.js";

/**
 * y = window maxima; argmax = flat index into x of each maximum. On ties the first maximum in
 * row-major window order wins (strict `>`), so the gradient goes to exactly one input.
 */
export function maxPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array, argmax: Int32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, size, stride } = g;
  const planes = g.batch * g.channels;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const start = base + oh * stride * W + ow * stride;
        let best = start;
        let bestValue = x[start];
        for (let kh = 0; kh < size; kh++) {
          const row = start + kh * W;
          for (let kw = 0; kw < size; kw++) {
            const v = x[row + kw];
            if (v > bestValue) {
              bestValue = v;
              best = row + kw;
            }
          }
        }
        y[o] = bestValue;
        argmax[o] = best;
      }
    }
  }
}

/** dx[argmax[i]] += dy[i]. */
export function maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  const count = dy.length;
  for (let i = 0; i < count; i++) dx[argmax[i]] += dy[i];
}

/** y = window means. */
export function avgPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, size, stride } = g;
  const planes = g.batch * g.channels;
  const inv = 1 / (size * size);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const start = base + oh * stride * W + ow * stride;
        let sum = 0;
        for (let kh = 0; kh < size; kh++) {
          const row = start + kh * W;
          for (let kw = 0; kw < size; kw++) sum += x[row + kw];
        }
        y[o] = sum * inv;
      }
    }
  }
}

/** dx += dy / size^2 over each window. */
export function avgPoolBackward(dy: Float32Array, g: PoolGeometry, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, size, stride } = g;
  const planes = g.batch * g.channels;
  const inv = 1 / (size * size);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const start = base + oh * stride * W + ow * stride;
        const share = dy[o] * inv;
        for (let kh = 0; kh < size; kh++) {
          const row = start + kh * W;
          for (let kw = 0; kw < size; kw++) dx[row + kw] += share;
        }
      }
    }
  }
}
