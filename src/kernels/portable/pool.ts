/**
 * Portable max and average pooling over square windows without padding, on NCHW planes.
 * Every (n, c) plane is pooled independently; windows are size x size, stepping by stride.
 */
import type { PoolGeometry } from "../kernels.js";

/**
 * Each output's window: the flat index into x of its top-left input, in output order (planes,
 * then rows, then columns). Computed once per call, so each pooling loop is one pass over it.
 */
function windowStarts(g: PoolGeometry): Int32Array {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, stride } = g;
  const planes = g.batch * g.channels;
  const starts = new Int32Array(planes * OH * OW);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) starts[o] = base + oh * stride * W + ow * stride;
    }
  }
  return starts;
}

/**
 * y = window maxima; argmax = flat index into x of each maximum. On ties the first maximum in
 * row-major window order wins (strict `>`), so the gradient goes to exactly one input.
 */
export function maxPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array, argmax: Int32Array): void {
  const { inWidth: W, size } = g;
  const starts = windowStarts(g);
  for (let o = 0; o < starts.length; o++) {
    const start = starts[o];
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

/** dx[argmax[i]] += dy[i]. */
export function maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  const count = dy.length;
  for (let i = 0; i < count; i++) dx[argmax[i]] += dy[i];
}

/** y = window means. */
export function avgPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array): void {
  const { inWidth: W, size } = g;
  const inv = 1 / (size * size);
  const starts = windowStarts(g);
  for (let o = 0; o < starts.length; o++) {
    const start = starts[o];
    let sum = 0;
    for (let kh = 0; kh < size; kh++) {
      const row = start + kh * W;
      for (let kw = 0; kw < size; kw++) sum += x[row + kw];
    }
    y[o] = sum * inv;
  }
}

/** dx += dy / size^2 over each window. */
export function avgPoolBackward(dy: Float32Array, g: PoolGeometry, dx: Float32Array): void {
  const { inWidth: W, size } = g;
  const inv = 1 / (size * size);
  const starts = windowStarts(g);
  for (let o = 0; o < starts.length; o++) {
    const start = starts[o];
    const share = dy[o] * inv;
    for (let kh = 0; kh < size; kh++) {
      const row = start + kh * W;
      for (let kw = 0; kw < size; kw++) dx[row + kw] += share;
    }
  }
}
