/**
 * A model's size from its layers' shapes alone, checked against the documented maximums before
 * any weight is allocated: an input shape such as [1, 1e5, 1e5] (from a hostile checkpoint or
 * a typo) is refused in microseconds instead of allocating gigabytes.
 */
import { checkLimit, LIMITS } from "../util/limits.js";
import type { Layer } from "./types.js";

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** What the layers of a model need per sample, from shapes only. */
export interface ModelSize {
  /** Weights of the dense and convolution layers (an upper bound of what build allocates). */
  weights: number;
  /** The largest per-sample activation (values), input included. */
  largestActivation: number;
}

/**
 * Shapes through the layers, without building them. A layer's weights are its
 * multiply-accumulates per output position (dense: inputs x units; convolution: filters x
 * channels x kernel area).
 */
export function modelSize(layers: readonly Layer[], inputShape: readonly number[]): ModelSize {
  checkLimit(
    `the per-sample input [${inputShape.join(", ")}]`,
    product(inputShape),
    LIMITS.inputElements,
    " values",
  );
  let shape: readonly number[] = inputShape;
  let weights = 0;
  let largestActivation = product(inputShape);
  for (const layer of layers) {
    const out = layer.outputShape(shape);
    const macs = layer.multiplyAccumulates?.(shape);
    if (macs !== undefined) weights += (macs.binary + macs.float) / Math.max(1, product(out.slice(1)));
    largestActivation = Math.max(largestActivation, product(out));
    shape = out;
  }
  return { weights, largestActivation };
}

/** Throws a BamsprodError naming the size and the limit when the model would be too large. */
export function checkModelSize(layers: readonly Layer[], inputShape: readonly number[]): ModelSize {
  const size = modelSize(layers, inputShape);
  const where = `a model with input [${inputShape.join(", ")}]`;
  checkLimit(`the weight count of ${where}`, size.weights, LIMITS.modelParameters);
  checkLimit(
    `the largest per-sample activation of ${where}`,
    size.largestActivation,
    LIMITS.activationElements,
    " values",
  );
  return size;
}

/** Throws unless `batch` samples of the model's largest activation fit the activation limit. */
export function checkBatchSize(size: ModelSize, batch: number): void {
  checkLimit("the batch size", batch, LIMITS.batchSize);
  checkLimit(
    `one batch's largest activation (${batch} x ${size.largestActivation.toLocaleString("en-US")} values)`,
    batch * size.largestActivation,
    LIMITS.activationElements,
    " values",
  );
}
