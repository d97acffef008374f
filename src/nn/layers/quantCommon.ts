/**
 * What QuantDense and QuantConv2D share: larq's input_quantizer / kernel_quantizer options,
 * resolved and validated once. There is no kernel constraint: the latent-weight clip belongs to
 * the optimizer (its `clip` option, docs/optimizers.md), which knows which tensors are binary.
 */
import { Tensor } from "../../tensor/tensor.js";
import { LayerBase } from "../layerBase.js";
import type { Parameter } from "../types.js";
import { BamsprodError, show } from "../../util/errors.js";
import {
  getQuantizer,
  type Quantizer,
  type QuantizerConfig,
  type QuantizerSpec,
} from "../quantizers/registry.js";

export interface QuantOptions {
  /** Quantizes the layer's input (larq input_quantizer); null/omitted: the input stays real. */
  inputQuantizer?: QuantizerSpec | null;
  /** Quantizes the latent kernel in the forward pass (larq kernel_quantizer). */
  kernelQuantizer?: QuantizerSpec | null;
  /**
   * Removed: the optimizer's `clip` option keeps binary latent weights in [-clip, clip]. Only
   * null (or leaving it out) is accepted; a number is refused with a message saying so.
   * @deprecated
   */
  kernelClip?: null;
  /** Adds a bias (default true, like Keras; the built-in models turn it off before batch-norm). */
  useBias?: boolean;
}

export interface ResolvedQuant {
  input: Quantizer | null;
  kernel: Quantizer | null;
  useBias: boolean;
}

export function resolveQuant(kind: string, o: QuantOptions): ResolvedQuant {
  const input = o.inputQuantizer == null ? null : getQuantizer(o.inputQuantizer);
  const kernel = o.kernelQuantizer == null ? null : getQuantizer(o.kernelQuantizer);
  if (input?.kernelOnly === true) {
    throw new BamsprodError(
      `${kind}: ${show(input.name)} scales per output channel and only works as a kernelQuantizer; use ste_sign as inputQuantizer`,
    );
  }
  if (o.kernelClip != null) {
    throw new BamsprodError(
      `${kind}: kernelClip ${show(o.kernelClip)} is no longer a layer option: the optimizer's clip keeps ` +
        `binary latent weights in [-clip, clip] (createOptimizer(name, { clip }), bamsprod train --clip)`,
    );
  }
  return { input, kernel, useBias: o.useBias ?? true };
}

/**
 * True when both the input and the kernel are binarized to exactly +-1, so the layer's forward
 * product can run on the exact XNOR + popcount kernels (same result as the float product).
 */
export function binaryOperands(q: ResolvedQuant): boolean {
  return q.input?.signsOnly === true && q.kernel?.signsOnly === true;
}

/** The JSON form of the quantization options, for config(). */
export function quantConfig(q: ResolvedQuant): {
  inputQuantizer: QuantizerConfig | null;
  kernelQuantizer: QuantizerConfig | null;
  useBias: boolean;
} {
  return {
    inputQuantizer: q.input?.config() ?? null,
    kernelQuantizer: q.kernel?.config() ?? null,
    useBias: q.useBias,
  };
}

/**
 * The plumbing of QuantDense and QuantConv2D: a latent (real) kernel, binary as a parameter
 * when a kernel quantizer binarizes it, and an optional zero-initialised bias.
 */
export abstract class QuantKernelLayer extends LayerBase {
  readonly quant: ResolvedQuant;
  private kernel: Tensor | null = null;
  private bias: Tensor | null = null;

  /** `owner` (e.g. "QuantDense") names the layer in the quantizer options' errors. */
  protected constructor(owner: string, options: QuantOptions & { name?: string }) {
    super(options.name);
    this.quant = resolveQuant(owner, options);
  }

  /** Creates the trainable kernel, and the bias of `outputs` zeros when the layer uses one. */
  protected createKernel(values: Float32Array, shape: number[], outputs: number): void {
    this.kernel = new Tensor(values, shape, true);
    if (this.quant.useBias) this.bias = Tensor.zeros([outputs], true);
  }

  /** True when both quantizers are sign functions: the product is of +-1 operands. */
  protected get binaryOperands(): boolean {
    return binaryOperands(this.quant);
  }

  /** The quantizers and bias flag for the layer's config(). */
  protected quantConfig(): ReturnType<typeof quantConfig> {
    return quantConfig(this.quant);
  }

  /** The forward pass's operands: q_in(x), q_k(W) and the bias. */
  protected operands(x: Tensor): { xq: Tensor; wq: Tensor; bias: Tensor | null } {
    this.requireBuilt();
    const kernel = this.kernel as Tensor;
    const xq = this.quant.input === null ? x : this.quant.input.apply(x);
    const wq = this.quant.kernel === null ? kernel : this.quant.kernel.apply(kernel);
    return { xq, wq, bias: this.bias };
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    const kernel = this.kernel as Tensor;
    const params: Parameter[] = [
      { name: `${this.name}/kernel`, tensor: kernel, binary: this.quant.kernel !== null },
    ];
    if (this.bias !== null) params.push({ name: `${this.name}/bias`, tensor: this.bias, binary: false });
    return params;
  }
}
