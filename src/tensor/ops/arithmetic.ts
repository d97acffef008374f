/**
 * Element-wise arithmetic on tensors of identical shape (no broadcasting: a shape mismatch is
 * almost always a model-building mistake, so it is reported rather than silently stretched).
 * `add` is also the residual connection: add(block(x), x).
 */
import { getBackend } from "../../kernels/index.js";
import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { addInto, checkSameShape, outGrad } from "./grad.js";

/** a + b. Backward: da += dy, db += dy. */
export function add(a: Tensor, b: Tensor): Tensor {
  checkSameShape("add", a, b);
  const y = takeBuffer(a.size, false);
  getBackend().kernels.addArrays(a.data, b.data, y);
  return Tensor.fromOp(y, a.shape, [a, b], (out) => {
    const dy = outGrad(out);
    if (a.requiresGrad) addInto(a.gradBuffer(), dy);
    if (b.requiresGrad) addInto(b.gradBuffer(), dy);
  });
}

/** a - b. Backward: da += dy, db -= dy. */
export function sub(a: Tensor, b: Tensor): Tensor {
  checkSameShape("sub", a, b);
  const y = takeBuffer(a.size, false);
  const ad = a.data;
  const bd = b.data;
  for (let i = 0; i < y.length; i++) y[i] = ad[i] - bd[i];
  return Tensor.fromOp(y, a.shape, [a, b], (out) => {
    const dy = outGrad(out);
    if (a.requiresGrad) addInto(a.gradBuffer(), dy);
    if (b.requiresGrad) {
      const db = b.gradBuffer();
      for (let i = 0; i < dy.length; i++) db[i] -= dy[i];
    }
  });
}

/** a * b element-wise. Backward: da += dy * b, db += dy * a. */
export function mul(a: Tensor, b: Tensor): Tensor {
  checkSameShape("mul", a, b);
  const y = takeBuffer(a.size, false);
  const ad = a.data;
  const bd = b.data;
  for (let i = 0; i < y.length; i++) y[i] = ad[i] * bd[i];
  return Tensor.fromOp(y, a.shape, [a, b], (out) => {
    const dy = outGrad(out);
    if (a.requiresGrad) {
      const da = a.gradBuffer();
      for (let i = 0; i < dy.length; i++) da[i] += dy[i] * bd[i];
    }
    if (b.requiresGrad) {
      const db = b.gradBuffer();
      for (let i = 0; i < dy.length; i++) db[i] += dy[i] * ad[i];
    }
  });
}

/** s * a for a constant number s. Backward: da += s * dy. */
export function scale(a: Tensor, s: number): Tensor {
  const y = takeBuffer(a.size, false);
  const ad = a.data;
  for (let i = 0; i < y.length; i++) y[i] = ad[i] * s;
  return Tensor.fromOp(y, a.shape, [a], (out) => {
    const dy = outGrad(out);
    const da = a.gradBuffer();
    for (let i = 0; i < dy.length; i++) da[i] += dy[i] * s;
  });
}
