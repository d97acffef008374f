import { takeBuffer } from "../buffers.js";
import { getBackend } from "../../kernels/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { checkRank, outGrad } from "./grad.js";

export interface DenseOpOptions {
  /**
   * The caller's promise that x and w hold only +1 and -1 (outputs of a sign quantizer): the
   * forward product then runs as the kernels' XNOR + popcount product, which is exact, so the
   * output is bit-identical to the float product. Other values would be replaced by their sign.
   */
  binary?: boolean;
}

/**
 * Fully connected layer: y[N, out] = x[N, in] * w^T + bias, with weights stored [out, in]
 * (Keras stores [in, out]; ours is the layout the binary product wants, rows = neurons).
 * Backward: dx += dy * w, dw += dy^T * x, dbias += column sums of dy.
 * @example dense(x, w, null) // x [128, 784], w [512, 784] -> [128, 512]
 */
export function dense(x: Tensor, w: Tensor, bias: Tensor | null, options: DenseOpOptions = {}): Tensor {
  checkRank("dense", "input", x, 2);
  checkRank("dense", "weights", w, 2);
  const [batch, inFeatures] = x.shape;
  const [outFeatures, wIn] = w.shape;
  if (wIn !== inFeatures) {
    throw new BamsprodError(
      `dense: weights ${show(w.shape)} expect ${wIn} input features but the input ${show(x.shape)} has ${inFeatures}`,
    );
  }
  if (bias !== null && bias.size !== outFeatures) {
    throw new BamsprodError(
      `dense: bias has ${bias.size} elements, expected ${outFeatures} (one per output)`,
    );
  }
  const y = takeBuffer(batch * outFeatures, false);
  if (options.binary === true)
    getBackend().kernels.binaryGemm(batch, outFeatures, inFeatures, x.data, w.data, y);
  else getBackend().kernels.gemm(false, true, batch, outFeatures, inFeatures, 1, x.data, w.data, 0, y);
  if (bias !== null) addRowBias(y, bias.data, batch, outFeatures);
  const inputs = bias === null ? [x, w] : [x, w, bias];
  return Tensor.fromOp(y, [batch, outFeatures], inputs, (out) => {
    const dy = outGrad(out);
    const kernels = getBackend().kernels;
    if (x.requiresGrad)
      kernels.gemm(false, false, batch, inFeatures, outFeatures, 1, dy, w.data, 1, x.gradBuffer());
    if (w.requiresGrad)
      kernels.gemm(true, false, outFeatures, inFeatures, batch, 1, dy, x.data, 1, w.gradBuffer());
    if (bias !== null && bias.requiresGrad) sumRowsInto(dy, batch, outFeatures, bias.gradBuffer());
  });
}

function addRowBias(y: Float32Array, b: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) y[o + j] += b[j];
  }
}

function sumRowsInto(dy: Float32Array, rows: number, cols: number, db: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) db[j] += dy[o + j];
  }
}
