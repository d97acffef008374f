/**
 * The vocabulary shared by every layer: parameters, buffers, the forward context and the
 * `Layer` interface (the contract in notes/contracts.md, plus the members a `Sequential`
 * model needs to build, constrain and summarize its layers).
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/random.js";

/**
 * A trainable tensor. `name` is unique within a model and stable across runs
 * ("quant_dense_1/kernel"), so checkpoints and exporters can find it again. `binary` is true
 * for latent kernels that a kernel quantizer binarizes: optimizers such as Bop and BAMSProd
 * treat them differently from real-valued parameters.
 */
export interface Parameter {
  name: string;
  tensor: Tensor;
  binary: boolean;
}

/** A non-trainable state array (batch-norm moving statistics), updated in place. */
export interface NamedBuffer {
  name: string;
  data: Float32Array;
}

/** What a forward pass needs besides its input: the mode and the randomness of dropout. */
export interface ForwardContext {
  training: boolean;
  rng: Rng;
}

/** Multiply-accumulate count of one sample through a layer, split by operand precision. */
export interface MacCount {
  /** Both operands are 1-bit (XNOR + popcount at inference). */
  binary: number;
  /** At least one operand is real-valued. */
  float: number;
}

/**
 * A layer. Shapes given to `build`, `outputShape` and `multiplyAccumulates` are per sample
 * (without the batch dimension): [C, H, W] for images, [F] for feature vectors.
 */
export interface Layer {
  /** Snake-case type name, larq/Keras style: "quant_dense", "batch_norm", ... */
  readonly kind: string;
  /** Unique within a model, e.g. "quant_dense_1"; assigned by the model when not given. */
  readonly name: string;
  /** Creates the parameters for this per-sample input shape, drawing initial values from `rng`. */
  build(inputShape: readonly number[], rng: Rng): void;
  forward(x: Tensor, ctx: ForwardContext): Tensor;
  parameters(): Parameter[];
  buffers(): NamedBuffer[];
  /** Per-sample output shape; throws BamsprodError when the input shape does not fit. */
  outputShape(inputShape: readonly number[]): number[];
  /** JSON-able options, complete enough to rebuild or export the layer. */
  config(): Record<string, unknown>;
  /** Multiply-accumulates per sample, for the model summary (dense and conv layers). */
  multiplyAccumulates?(inputShape: readonly number[]): MacCount;
  /** Layers nested inside this one (a residual block's body). */
  children?(): readonly Layer[];
}
