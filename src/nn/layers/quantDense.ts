/** Fully connected layers: larq's QuantDense, and Dense as its unquantized special case. */
import { Tensor } from "../../tensor/tensor.js";
import { dense } from "../../tensor/index.js";
import type { Rng } from "../../util/random.js";
import { glorotUniform } from "../init.js";
import { checkInt } from "../layerBase.js";
import type { ForwardContext, MacCount } from "../types.js";
import { QuantKernelLayer, type QuantOptions } from "./quantCommon.js";

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
export class QuantDense extends QuantKernelLayer {
  readonly kind: string = "quant_dense";
  readonly units: number;
  private inputDim: number | null = null;

  constructor(options: QuantDenseOptions) {
    super("QuantDense", options);
    this.units = checkInt("QuantDense", "units", options.units);
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.expectRank(inputShape, 1, "add a Flatten layer before it");
    return [this.units];
  }

  protected override onBuild(inputShape: readonly number[], rng: Rng): void {
    const inDim = inputShape[0];
    this.inputDim = inDim;
    this.createKernel(
      glorotUniform(this.units * inDim, inDim, this.units, rng),
      [this.units, inDim],
      this.units,
    );
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const { xq, wq, bias } = this.operands(x);
    return dense(xq, wq, bias, { binary: this.binaryOperands });
  }

  multiplyAccumulates(inputShape: readonly number[]): MacCount {
    const macs = inputShape[0] * this.units;
    const binary = this.quant.input !== null && this.quant.kernel !== null;
    return { binary: binary ? macs : 0, float: binary ? 0 : macs };
  }

  config(): Record<string, unknown> {
    return { units: this.units, inputDim: this.inputDim, ...this.quantConfig() };
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
