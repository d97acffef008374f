/**
 * Per-channel passes over x[batch, channels, spatial] with vectors [channels]: what RSign,
 * RPReLU and ChannelScale are made of (src/nn/layers/channelOps.ts). Each output element is
 * a chain of float32 operations (rounded to float32 before the next), as the packed runtime
 * and ONNX compute them. The backward passes add into float32 gradients; a channel's sum runs
 * in double over a plane's values in index order and is added into the gradient plane by
 * plane, in batch order. The order is part of the contract (kernels.ts): the native kernels
 * follow it, so both give the same bits. An empty gradient array means "not wanted".
 */
import type { ChannelLayout } from "../kernels.js";

/** y = x - b[c]. */
export function channelSubtract(x: Float32Array, l: ChannelLayout, b: Float32Array, y: Float32Array): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    const v = b[p % l.channels];
    for (const end = i + l.spatial; i < end; i++) y[i] = x[i] - v;
  }
}

/** dx += dy; db[c] -= the sum of dy over the channel. */
export function channelSubtractBackward(
  dy: Float32Array,
  l: ChannelLayout,
  dx: Float32Array,
  db: Float32Array,
): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    let sum = 0;
    for (const end = i + l.spatial; i < end; i++) {
      sum += dy[i];
      if (dx.length > 0) dx[i] += dy[i];
    }
    if (db.length > 0) db[p % l.channels] -= sum;
  }
}

/** y = x * a[c]. */
export function channelMultiply(x: Float32Array, l: ChannelLayout, a: Float32Array, y: Float32Array): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    const v = a[p % l.channels];
    for (const end = i + l.spatial; i < end; i++) y[i] = x[i] * v;
  }
}

/** dx += dy * a[c] (in double, rounded once); da[c] += the sum of dy * x over the channel. */
export function channelMultiplyBackward(
  x: Float32Array,
  dy: Float32Array,
  l: ChannelLayout,
  a: Float32Array,
  dx: Float32Array,
  da: Float32Array,
): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    const v = a[p % l.channels];
    let sum = 0;
    for (const end = i + l.spatial; i < end; i++) {
      sum += dy[i] * x[i];
      if (dx.length > 0) dx[i] += dy[i] * v;
    }
    if (da.length > 0) da[p % l.channels] += sum;
  }
}

/**
 * RPReLU: u = fround(x - g[c]); y = fround((u > 0 ? u : fround(a[c] * u)) + z[c]), the select
 * written as p * u + (1 - p) * fround(a[c] * u) with p = 1 where u > 0, else 0 (so a NaN or
 * infinite a[c] * u gives NaN in either branch, as the native kernel does too).
 */
export function rpreluForward(
  x: Float32Array,
  l: ChannelLayout,
  g: Float32Array,
  a: Float32Array,
  z: Float32Array,
  u: Float32Array,
  y: Float32Array,
): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    const c = p % l.channels;
    const gc = g[c];
    const ac = a[c];
    const zc = z[c];
    for (const end = i + l.spatial; i < end; i++) {
      const v = Math.fround(x[i] - gc);
      u[i] = v;
      const pos = +(v > 0);
      y[i] = pos * v + (1 - pos) * Math.fround(ac * v) + zc;
    }
  }
}

/**
 * RPReLU's backward, from u = x - g[c] (rpreluForward's u): with s = 1 where u > 0, else a[c]:
 * dx += dy * s, dg[c] -= the sum of dy * s, da[c] += the sum over u <= 0 of dy * u, dz[c] += the
 * sum of dy.
 */
export function rpreluBackward(
  u: Float32Array,
  dy: Float32Array,
  l: ChannelLayout,
  a: Float32Array,
  dx: Float32Array,
  dg: Float32Array,
  da: Float32Array,
  dz: Float32Array,
): void {
  for (let p = 0, i = 0; p < l.batch * l.channels; p++) {
    const c = p % l.channels;
    const ac = a[c];
    let sumS = 0;
    let sumNeg = 0;
    let sumY = 0;
    for (const end = i + l.spatial; i < end; i++) {
      const d = dy[i];
      const pos = +(u[i] > 0);
      const ds = d * (pos + (1 - pos) * ac);
      sumS += ds;
      sumY += d;
      sumNeg += (1 - pos) * d * u[i];
      if (dx.length > 0) dx[i] += ds;
    }
    if (dg.length > 0) dg[c] -= sumS;
    if (da.length > 0) da[c] += sumNeg;
    if (dz.length > 0) dz[c] += sumY;
  }
}
