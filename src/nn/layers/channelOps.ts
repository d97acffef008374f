/**
 * Per-channel ops on x[N, C, ...] with vectors [C], with gradients: what RSign, RPReLU and
 * ChannelScale are made of. Every output is a chain of single float32 operations on float32
 * operands (each result rounded to float32 before the next), which is exactly what the packed
 * runtime and ONNX's float32 Sub / PRelu / Add / Mul reproduce. The passes are kernels
 * (channelSubtract, rpreluForward, ...: src/kernels/kernels.ts), a large share of a residual
 * model's step.
 */
import { getBackend } from "../../kernels/index.js";
import { takeBuffer } from "../../tensor/buffers.js";
import { Tensor } from "../../tensor/tensor.js";
import { channelLayout, checkChannels, outGrad } from "../../tensor/ops/grad.js";

/** What a kernel gets for a gradient nobody wants. */
const NONE = new Float32Array(0);

/** t's gradient buffer when t needs one, else NONE. */
const gradOf = (t: Tensor): Float32Array => (t.requiresGrad ? t.gradBuffer() : NONE);

/** y = x - b[c]. Backward: dx += dy, db[c] -= sum of dy over the channel. */
export function subChannel(x: Tensor, b: Tensor): Tensor {
  const l = channelLayout("subChannel", x);
  checkChannels("subChannel", "shift", b.data, l.channels);
  const y = takeBuffer(x.size, false);
  getBackend().kernels.channelSubtract(x.data, l, b.data, y);
  return Tensor.fromOp(y, x.shape, [x, b], (out) => {
    getBackend().kernels.channelSubtractBackward(outGrad(out), l, gradOf(x), gradOf(b));
  });
}

/** y = x * a[c]. Backward: dx += dy * a[c], da[c] += sum of dy * x over the channel. */
export function mulChannel(x: Tensor, a: Tensor): Tensor {
  const l = channelLayout("mulChannel", x);
  checkChannels("mulChannel", "scale", a.data, l.channels);
  const y = takeBuffer(x.size, false);
  getBackend().kernels.channelMultiply(x.data, l, a.data, y);
  return Tensor.fromOp(y, x.shape, [x, a], (out) => {
    getBackend().kernels.channelMultiplyBackward(x.data, outGrad(out), l, a.data, gradOf(x), gradOf(a));
  });
}

/**
 * RPReLU in one pass: u = fround(x - g[c]); y = fround((u > 0 ? u : fround(a[c] * u)) + z[c]).
 * Backward: with s = 1 where u > 0 else a[c]: dx += dy * s, dg[c] -= sum dy * s,
 * da[c] += sum over u <= 0 of dy * u, dz[c] += sum dy.
 */
export function rprelu(x: Tensor, g: Tensor, a: Tensor, z: Tensor): Tensor {
  const l = channelLayout("rprelu", x);
  for (const [name, t] of [
    ["shift_in", g],
    ["alpha", a],
    ["shift_out", z],
  ] as const) {
    checkChannels("rprelu", name, t.data, l.channels);
  }
  const u = takeBuffer(x.size, false);
  const y = takeBuffer(x.size, false);
  getBackend().kernels.rpreluForward(x.data, l, g.data, a.data, z.data, u, y);
  const backward = (out: Tensor): void => {
    const k = getBackend().kernels;
    k.rpreluBackward(u, outGrad(out), l, a.data, gradOf(x), gradOf(g), gradOf(a), gradOf(z));
  };
  return Tensor.fromOp(y, x.shape, [x, g, a, z], backward, [u]);
}

/** A trainable per-channel vector filled with `value`. */
export function channelVector(channels: number, value: number): Tensor {
  return new Tensor(new Float32Array(channels).fill(value), [channels], true);
}
