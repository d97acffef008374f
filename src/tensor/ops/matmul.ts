import { takeBuffer } from "../buffers.js";
import { getBackend } from "../../kernels/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { checkRank, outGrad } from "./grad.js";

/**
 * Matrix product a[M, K] * b[K, N] -> [M, N].
 * Backward: da += dy * b^T, db += a^T * dy.
 * @example matmul(Tensor.from([1, 2], [1, 2]), Tensor.from([3, 4], [2, 1])) // [[11]]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkRank("matmul", "a", a, 2);
  checkRank("matmul", "b", b, 2);
  const [m, k] = a.shape;
  const [kb, n] = b.shape;
  if (kb !== k) {
    throw new BamsprodError(`matmul: a is ${show(a.shape)} so b needs ${k} rows, but b is ${show(b.shape)}`);
  }
  const y = takeBuffer(m * n, false);
  getBackend().kernels.gemm(false, false, m, n, k, 1, a.data, b.data, 0, y);
  return Tensor.fromOp(y, [m, n], [a, b], (out) => {
    const dy = outGrad(out);
    const kernels = getBackend().kernels;
    if (a.requiresGrad) kernels.gemm(false, true, m, k, n, 1, dy, b.data, 1, a.gradBuffer());
    if (b.requiresGrad) kernels.gemm(true, false, k, n, m, 1, a.data, dy, 1, b.gradBuffer());
  });
}
