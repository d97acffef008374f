/** Fully connected layers: larq's QuantDense, and Dense as its unquantized special case. */
import { Tensor } from "../../tensor/tensor.js";
import { dense } from "../../tensor/index.js";
import type { Rng } from "../../util/random.js";
import { glorotUniform } from "../init.js";
import { checkInt, LayerBase } from "../layerBase.js";
import type { ForwardContext, MacCount, Parameter } from "../types.js";
import {
  binaryOperands,
  quantLayerParameters,
  quantConfig,
  resolveQuant,
  type QuantOptions,
  type ResolvedQuant,
} from "./quantCommon.js";

export interface QuantDenseOptions extends QuantOptions {
  units: number;
  name?: string;
}

/**
 * y = q_in(x) q_k(W)^T + b with W [units, in] the latent (real) kernel. With a kernel
 * quantizer the kernel parameter is marked `binary`, since only its sign (and per-channel
 * scale) reaches the forward pass.
 * @example new QuantDense({ units: 512, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false })
 */
export class QuantDense extends LayerBase {
  readonly kind: string = "quant_dense";
  readonly units: number;
  readonly quant: ResolvedQuant;
  private inputDim: number | null = null;
  private kernel: Tensor | null = null;
  private bias: Tensor | null = null;

  constructor(options: QuantDenseOptions) {
    super(options.name);
    this.units = checkInt("QuantDense", "units", options.units);
    this.quant = resolveQuant("QuantDense", options);
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.expectRank(inputShape, 1, "add a Flatten layer before it");
    return [this.units];
  }

  protected override onBuild(inputShape: readonly number[], rng: Rng): void {
    const inDim = inputShape[0];
    this.inputDim = inDim;
    this.kernel = new Tensor(
      glorotUniform(this.units * inDim, inDim, this.units, rng),
      [this.units, inDim],
      true,
    );
    if (this.quant.useBias) this.bias = Tensor.zeros([this.units], true);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.requireBuilt();
    const kernel = this.kernel as Tensor;
    const xq = this.quant.input === null ? x : this.quant.input.apply(x);
    const wq = this.quant.kernel === null ? kernel : this.quant.kernel.apply(kernel);
    return dense(xq, wq, this.bias, { binary: binaryOperands(this.quant) });
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    return quantLayerParameters(this.name, this.kernel as Tensor, this.bias, this.quant);
  }

  multiplyAccumulates(inputShape: readonly number[]): MacCount {
    const macs = inputShape[0] * this.units;
    const binary = this.quant.input !== null && this.quant.kernel !== null;
    return { binary: binary ? macs : 0, float: binary ? 0 : macs };
  }

  config(): Record<string, unknown> {
    return { units: this.units, inputDim: this.inputDim, ...quantConfig(this.quant) };
  }
}

export interface DenseOptions {
  units: number;
  useBias?: boolean;
  name?: string;
}

/** A plain (full-precision) fully connected layer: QuantDense without quantizers. */
export class Dense extends QuantDense {
  override readonly kind: string = "dense";

  constructor(options: DenseOptions) {
    super({ units: options.units, useBias: options.useBias, name: options.name });
  }
}
