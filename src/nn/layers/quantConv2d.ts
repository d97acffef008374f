/** 2-D convolutions: larq's QuantConv2D, and Conv2D as its unquantized special case. */
import { Tensor } from "../../tensor/tensor.js";
import { conv2d } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { glorotUniform } from "../init.js";
import { checkInt, pair } from "../layerBase.js";
import type { ForwardContext, MacCount } from "../types.js";
import { QuantKernelLayer, type QuantOptions } from "./quantCommon.js";

/**
 * "same": pad (k - 1) / 2 on each side (odd kernels only), so stride 1 keeps H and W, as in
 * Keras. "valid": no padding. Or explicit zero padding, a number or [h, w].
 *
 * Padding is with zeros, like larq's default pad_values = 0: with a binarized input the border
 * taps see 0, not +-1, which an exporter to XNOR kernels must reproduce (or correct for).
 */
export type Padding = "same" | "valid" | number | readonly [number, number];

export interface QuantConv2DOptions extends QuantOptions {
  filters: number;
  kernelSize: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: Padding;
  /**
   * The input is already +-1 (an RSign before the layer) although no input quantizer is set:
   * with a sign kernel quantizer the product then runs on the exact XNOR kernels, and the
   * packed export treats the layer as binary. Its MACs count as binary. Default false.
   */
  inputIsBinary?: boolean;
  name?: string;
}

/**
 * y = conv(q_in(x), q_k(W)) + b, x [N, C, H, W], W [filters, C, KH, KW] (latent, real).
 * @example new QuantConv2D({ filters: 64, kernelSize: 3, padding: "same", inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false })
 */
export class QuantConv2D extends QuantKernelLayer {
  readonly kind: string = "quant_conv2d";
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: [number, number];
  readonly inputIsBinary: boolean;
  private inputChannels: number | null = null;

  constructor(options: QuantConv2DOptions) {
    super("QuantConv2D", options);
    this.filters = checkInt("QuantConv2D", "filters", options.filters);
    this.kernelSize = pair("QuantConv2D", "kernelSize", options.kernelSize);
    this.strides = pair("QuantConv2D", "strides", options.strides ?? 1);
    this.padding = resolvePadding(options.padding ?? "valid", this.kernelSize);
    this.inputIsBinary = options.inputIsBinary ?? false;
    if (this.inputIsBinary && this.quant.input !== null) {
      throw new BamsprodError("QuantConv2D: inputIsBinary and an inputQuantizer exclude each other; set one");
    }
  }

  /** True when the product's operands are both exactly +-1 (XNOR + popcount at inference). */
  get binaryProduct(): boolean {
    const kernelSigns = this.quant.kernel?.signsOnly === true;
    return this.binaryOperands || (this.inputIsBinary && kernelSigns);
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.expectRank(inputShape, 3, "its input must be [channels, height, width]");
    const [, h, w] = inputShape;
    const oh = Math.floor((h + 2 * this.padding[0] - this.kernelSize[0]) / this.strides[0]) + 1;
    const ow = Math.floor((w + 2 * this.padding[1] - this.kernelSize[1]) / this.strides[1]) + 1;
    if (oh < 1 || ow < 1) {
      throw new BamsprodError(
        `${this.kind} layer ${show(this.name)}: input [${inputShape.join(", ")}] is smaller than the ${this.kernelSize.join("x")} kernel; use padding or a smaller kernel`,
      );
    }
    return [this.filters, oh, ow];
  }

  protected override onBuild(inputShape: readonly number[], rng: Rng): void {
    const c = inputShape[0];
    const [kh, kw] = this.kernelSize;
    this.inputChannels = c;
    const size = this.filters * c * kh * kw;
    const init = glorotUniform(size, c * kh * kw, this.filters * kh * kw, rng);
    this.createKernel(init, [this.filters, c, kh, kw], this.filters);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const { xq, wq, bias } = this.operands(x);
    return conv2d(xq, wq, bias, {
      stride: this.strides,
      padding: this.padding,
      binary: this.binaryProduct,
    });
  }

  multiplyAccumulates(inputShape: readonly number[]): MacCount {
    const [, oh, ow] = this.outputShape(inputShape);
    const macs = oh * ow * this.filters * inputShape[0] * this.kernelSize[0] * this.kernelSize[1];
    const binary = (this.quant.input !== null || this.inputIsBinary) && this.quant.kernel !== null;
    return { binary: binary ? macs : 0, float: binary ? 0 : macs };
  }

  config(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: [...this.padding],
      inputChannels: this.inputChannels,
      ...this.quantConfig(),
      ...(this.inputIsBinary ? { inputIsBinary: true } : {}),
    };
  }
}

function resolvePadding(padding: Padding, kernel: [number, number]): [number, number] {
  if (padding === "valid") return [0, 0];
  if (padding === "same") {
    if (kernel[0] % 2 === 0 || kernel[1] % 2 === 0) {
      throw new BamsprodError(
        `QuantConv2D: padding "same" needs an odd kernel size, got ${kernel.join("x")}; give explicit padding`,
      );
    }
    return [(kernel[0] - 1) / 2, (kernel[1] - 1) / 2];
  }
  return pair("QuantConv2D", "padding", padding, 0);
}

/** Conv2D's options: QuantConv2D's window and bias, without quantizers. */
export type Conv2DLayerOptions = Pick<
  QuantConv2DOptions,
  "filters" | "kernelSize" | "strides" | "padding" | "useBias" | "name"
>;

/** A plain (full-precision) convolution: QuantConv2D without quantizers. */
export class Conv2D extends QuantConv2D {
  override readonly kind: string = "conv2d";

  constructor(options: Conv2DLayerOptions) {
    super({ ...options, inputQuantizer: null, kernelQuantizer: null });
  }
}
