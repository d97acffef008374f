/**
 * What QuantDense and QuantConv2D share: larq's input_quantizer / kernel_quantizer /
 * kernel_constraint options, resolved and validated once.
 */
import { getBackend } from "../../kernels/index.js";
import type { Tensor } from "../../tensor/tensor.js";
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
   * Latent-weight clip: after each optimizer step the kernel is clipped to [-c, c] (larq's
   * `weight_clip` constraint). Default 1 when a kernel quantizer is set (outside [-1, 1] the
   * STE gradient is zero and the latent weight could never come back), none otherwise.
   */
  kernelClip?: number | null;
  /** Adds a bias (default true, like Keras; the built-in models turn it off before batch-norm). */
  useBias?: boolean;
}

export interface ResolvedQuant {
  input: Quantizer | null;
  kernel: Quantizer | null;
  clip: number | null;
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
  const clip = o.kernelClip === undefined ? (kernel === null ? null : 1) : o.kernelClip;
  if (clip !== null && !(Number.isFinite(clip) && clip > 0)) {
    throw new BamsprodError(`${kind}: kernelClip must be a number > 0 or null, got ${show(clip)}`);
  }
  return { input, kernel, clip, useBias: o.useBias ?? true };
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
  kernelClip: number | null;
  useBias: boolean;
} {
  return {
    inputQuantizer: q.input?.config() ?? null,
    kernelQuantizer: q.kernel?.config() ?? null,
    kernelClip: q.clip,
    useBias: q.useBias,
  };
}

/** Clips latent weights into [-c, c] in place (the buffer optimizers hold must not change). */
export function clipInPlace(data: Float32Array, c: number): void {
  getBackend().kernels.clipInPlace(data, c);
}

/**
 * The trainable tensors of a quantized layer: its kernel (binary when a kernel quantizer
 * binarizes it) and its optional bias. Shared by QuantDense and QuantConv2D.
 */
export function quantLayerParameters(
  name: string,
  kernel: Tensor,
  bias: Tensor | null,
  q: ResolvedQuant,
): Parameter[] {
  const params: Parameter[] = [{ name: `${name}/kernel`, tensor: kernel, binary: q.kernel !== null }];
  if (bias !== null) params.push({ name: `${name}/bias`, tensor: bias, binary: false });
  return params;
}
