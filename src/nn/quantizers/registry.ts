/**
 * Quantizers by name, so layers can be configured (and their configuration exported) with
 * plain JSON: `"ste_sign"` or `{ name: "swish_sign", beta: 10 }`.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { BamsprodError, show } from "../../util/errors.js";
import { magnitude_aware_sign } from "./magnitudeAwareSign.js";
import { approx_sign, ste_sign, swish_sign } from "./sign.js";

export const quantizerNames = ["ste_sign", "approx_sign", "swish_sign", "magnitude_aware_sign"] as const;
export type QuantizerName = (typeof quantizerNames)[number];

/** JSON form of a quantizer; `beta` only for swish_sign. */
export interface QuantizerConfig {
  name: QuantizerName;
  beta?: number;
}

/** What a layer option accepts: a name, or a config with options. */
export type QuantizerSpec = QuantizerName | QuantizerConfig;

export interface Quantizer {
  readonly name: QuantizerName;
  /** Quantizes a tensor, recording its pseudo-gradient for the backward pass. */
  apply(x: Tensor): Tensor;
  /** The JSON form that `getQuantizer` turns back into this quantizer. */
  config(): QuantizerConfig;
  /**
   * True when the quantizer only makes sense on kernels: magnitude_aware_sign scales per
   * output channel, which for activations would be the batch axis.
   */
  readonly kernelOnly: boolean;
  /** Bits per output value (all quantizers here binarize: 1; the scale is per channel). */
  readonly bits: number;
  /**
   * True when every output is exactly +1 or -1 (no scale): a layer whose input and kernel
   * quantizers both have it computes its forward product with the exact XNOR kernels.
   */
  readonly signsOnly?: boolean;
}

/**
 * The quantizer a spec names. Throws BamsprodError listing the valid names for an unknown one.
 * @example getQuantizer("ste_sign").apply(x)  // +-1 with a straight-through gradient
 */
export function getQuantizer(spec: QuantizerSpec): Quantizer {
  const cfg: QuantizerConfig = typeof spec === "string" ? { name: spec } : spec;
  switch (cfg.name) {
    case "ste_sign":
      return simple("ste_sign", ste_sign, false);
    case "approx_sign":
      return simple("approx_sign", approx_sign, false);
    case "magnitude_aware_sign":
      return simple("magnitude_aware_sign", magnitude_aware_sign, true);
    case "swish_sign":
      return swish(cfg.beta ?? 5);
    default:
      throw new BamsprodError(
        `unknown quantizer ${show((cfg as { name: unknown }).name)}; use one of ${quantizerNames.join(", ")}`,
      );
  }
}

function simple(name: QuantizerName, fn: (x: Tensor) => Tensor, kernelOnly: boolean): Quantizer {
  // magnitude_aware_sign scales each channel; the others output exactly +-1.
  return { name, apply: fn, config: () => ({ name }), kernelOnly, bits: 1, signsOnly: !kernelOnly };
}

function swish(beta: number): Quantizer {
  if (!Number.isFinite(beta) || beta <= 0) {
    throw new BamsprodError(`swish_sign: beta must be a number > 0, got ${show(beta)}`);
  }
  return {
    name: "swish_sign",
    apply: (x) => swish_sign(x, beta),
    config: () => ({ name: "swish_sign", beta }),
    kernelOnly: false,
    bits: 1,
    signsOnly: true,
  };
}
