/**
 * Types shared by every optimizer: the tensors a step sees and the per-tensor state it keeps.
 * Optimizers know nothing about layers; they update plain Float32Arrays in place.
 */

/** One parameter tensor handed to `optimizer.step`. */
export interface ParamTensor {
  /** Stable name used in error messages and checked between steps (e.g. "quant_dense_1/kernel"). */
  name?: string;
  /** Latent values, updated in place. */
  value: Float32Array;
  /** Gradient of the loss with respect to `value`; same length. Read only. */
  grad: Float32Array;
  /** True when the model binarizes this tensor in the forward pass (clip projection, Bop, quantization error). */
  binary?: boolean;
}

/** Per-tensor state: named Float32Arrays of the tensor's length (m, v, vmax, ...). */
export type TensorState = Record<string, Float32Array>;

/** What identifies a tensor between steps: a step whose list differs is refused. */
export interface TensorSignature {
  name: string | null;
  length: number;
  binary: boolean;
}

/** The lowercase names accepted by `createOptimizer`. */
export type OptimizerName = "sgd" | "adam" | "amsgrad" | "adabound" | "amsbound" | "bop" | "bamsprod";
