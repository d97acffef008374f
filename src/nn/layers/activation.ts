/** Parameter-free activations, including the sign quantizers used as activations (larq style). */
import type { Tensor } from "../../tensor/tensor.js";
import { hardtanh, relu } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { getQuantizer, quantizerNames, type Quantizer, type QuantizerSpec } from "../quantizers/registry.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext } from "../types.js";

/** "relu", "hardtanh" (clamp to [-1, 1]), or a sign quantizer such as "ste_sign". */
export type ActivationSpec = "relu" | "hardtanh" | QuantizerSpec;

export const activationNames = [
  "relu",
  "hardtanh",
  ...quantizerNames.filter((n) => n !== "magnitude_aware_sign"),
];

export class Activation extends LayerBase {
  readonly kind = "activation";
  readonly activation: ActivationSpec;
  private readonly fn: (x: Tensor) => Tensor;

  constructor(activation: ActivationSpec, options: { name?: string } = {}) {
    super(options.name);
    this.activation = activation;
    this.fn = resolve(activation);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return this.fn(x);
  }

  config(): Record<string, unknown> {
    const a = this.activation;
    return { activation: typeof a === "string" ? a : { ...a } };
  }
}

function resolve(spec: ActivationSpec): (x: Tensor) => Tensor {
  if (spec === "relu") return relu;
  if (spec === "hardtanh") return hardtanh;
  let q: Quantizer;
  try {
    q = getQuantizer(spec);
  } catch {
    throw new BamsprodError(`unknown activation ${show(spec)}; use one of ${activationNames.join(", ")}`);
  }
  if (q.kernelOnly) {
    throw new BamsprodError(
      `activation ${show(q.name)} only works on kernels; use one of ${activationNames.join(", ")}`,
    );
  }
  return (x) => q.apply(x);
}
