/**
 * Per-channel ops on x[N, C, ...] with vectors [C], with gradients: what RSign, RPReLU and
 * ChannelScale are made of. Every output is a chain of single float32 operations on float32
 * operands (each result rounded to float32 before the next), which is exactly what the packed
 * runtime and ONNX's float32 Sub / PRelu / Add / Mul reproduce. Plain loops over the
 * (sample, channel) planes: these passes are a large share of a residual model's step.
 */
import { takeBuffer } from "../../tensor/buffers.js";
import { Tensor } from "../../tensor/tensor.js";
import { channelLayout, checkChannels, outGrad } from "../../tensor/ops/grad.js";

/** y = x - b[c]. Backward: dx += dy, db[c] -= sum of dy over the channel. */
export function subChannel(x: Tensor, b: Tensor): Tensor {
  const { batch, channels, spatial } = channelLayout("subChannel", x);
  checkChannels("subChannel", "shift", b.data, channels);
  const xd = x.data;
  const bd = b.data;
  const y = takeBuffer(x.size, false);
  for (let n = 0, i = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const v = bd[c];
      for (const end = i + spatial; i < end; i++) y[i] = xd[i] - v;
    }
  }
  return Tensor.fromOp(y, x.shape, [x, b], (out) => {
    const dy = outGrad(out);
    if (x.requiresGrad) {
      const dx = x.gradBuffer();
      for (let i = 0; i < dy.length; i++) dx[i] += dy[i];
    }
    if (!b.requiresGrad) return;
    const db = b.gradBuffer();
    for (let n = 0, i = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const end = i + spatial; i < end; i++) sum += dy[i];
        db[c] -= sum;
      }
    }
  });
}

/** y = x * a[c]. Backward: dx += dy * a[c], da[c] += sum of dy * x over the channel. */
export function mulChannel(x: Tensor, a: Tensor): Tensor {
  const { batch, channels, spatial } = channelLayout("mulChannel", x);
  checkChannels("mulChannel", "scale", a.data, channels);
  const xd = x.data;
  const ad = a.data;
  const y = takeBuffer(x.size, false);
  for (let n = 0, i = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const v = ad[c];
      for (const end = i + spatial; i < end; i++) y[i] = xd[i] * v;
    }
  }
  return Tensor.fromOp(y, x.shape, [x, a], (out) => {
    const dy = outGrad(out);
    const dx = x.requiresGrad ? x.gradBuffer() : null;
    const da = a.requiresGrad ? a.gradBuffer() : null;
    for (let n = 0, i = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const v = ad[c];
        let sum = 0;
        for (const end = i + spatial; i < end; i++) {
          sum += dy[i] * xd[i];
          if (dx !== null) dx[i] += dy[i] * v;
        }
        if (da !== null) da[c] += sum;
      }
    }
  });
}

/**
 * RPReLU in one pass: u = fround(x - g[c]); y = fround((u > 0 ? u : fround(a[c] * u)) + z[c]).
 * Backward: with s = 1 where u > 0 else a[c]: dx += dy * s, dg[c] -= sum dy * s,
 * da[c] += sum over u <= 0 of dy * u, dz[c] += sum dy.
 */
export function rprelu(x: Tensor, g: Tensor, a: Tensor, z: Tensor): Tensor {
  const { batch, channels, spatial } = channelLayout("rprelu", x);
  for (const [name, t] of [
    ["shift_in", g],
    ["alpha", a],
    ["shift_out", z],
  ] as const) {
    checkChannels("rprelu", name, t.data, channels);
  }
  const xd = x.data;
  const u = takeBuffer(x.size, false);
  const y = takeBuffer(x.size, false);
  for (let n = 0, i = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const gc = g.data[c];
      const ac = a.data[c];
      const zc = z.data[c];
      for (const end = i + spatial; i < end; i++) {
        const v = Math.fround(xd[i] - gc);
        u[i] = v;
        // Branch-free select (the signs are data): exactly v or fround(ac * v), then + zc.
        const p = +(v > 0);
        y[i] = p * v + (1 - p) * Math.fround(ac * v) + zc;
      }
    }
  }
  const backward = (out: Tensor): void => {
    const dy = outGrad(out);
    const dx = x.requiresGrad ? x.gradBuffer() : null;
    for (let n = 0, i = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const ac = a.data[c];
        let sumS = 0;
        let sumNeg = 0;
        let sumY = 0;
        for (const end = i + spatial; i < end; i++) {
          const d = dy[i];
          const p = +(u[i] > 0);
          const ds = d * (p + (1 - p) * ac);
          sumS += ds;
          sumY += d;
          sumNeg += (1 - p) * d * u[i];
          if (dx !== null) dx[i] += ds;
        }
        if (g.requiresGrad) g.gradBuffer()[c] -= sumS;
        if (a.requiresGrad) a.gradBuffer()[c] += sumNeg;
        if (z.requiresGrad) z.gradBuffer()[c] += sumY;
      }
    }
  };
  return Tensor.fromOp(y, x.shape, [x, g, a, z], backward, [u]);
}

/** A trainable per-channel vector filled with `value`. */
export function channelVector(channels: number, value: number): Tensor {
  return new Tensor(new Float32Array(channels).fill(value), [channels], true);
}
