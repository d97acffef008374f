/**
 * The residual binary models `birealnet` and `reactnet`: a Bi-Real-Net-style binary ResNet
 * sized for 28x28 and 32x32 inputs, and the same skeleton with ReActNet's RSign and RPReLU.
 */
import { BamsprodError, show } from "../util/errors.js";
import { BatchNorm } from "./layers/batchNorm.js";
import { ChannelScale } from "./layers/channelScale.js";
import { Flatten } from "./layers/flatten.js";
import { AvgPool2D, MaxPool2D } from "./layers/pooling.js";
import { Conv2D, QuantConv2D } from "./layers/quantConv2d.js";
import { Dense } from "./layers/quantDense.js";
import { Residual } from "./layers/residual.js";
import { RPReLU } from "./layers/rprelu.js";
import { RSign } from "./layers/rsign.js";
import type { QuantizerSpec } from "./quantizers/registry.js";
import type { Layer } from "./types.js";

export interface ResidualModelOptions {
  /** Channels of the stem and first stage; the second stage has twice as many. Default 32. */
  width?: number;
  /** Binary 3x3 convolutions (each with its own shortcut) per stage. Default [4, 3]. */
  blocks?: readonly [number, number];
  /** Learned per-channel scaling of each binary convolution's output (XNOR-Net++). Default false. */
  scaling?: boolean;
  /** The sign of the activations (birealnet) or RSign's pseudo-gradient (reactnet). Default approx_sign. */
  inputQuantizer?: QuantizerSpec;
  /** Quantizer of the binary kernels. Default ste_sign. */
  kernelQuantizer?: QuantizerSpec;
}

/**
 * Layers after the input normalization, for input [C, H, W] (H and W even, e.g. 28 or 32):
 * - stem: real 3x3 convolution (width filters, real input and kernel), batch-norm, [reactnet:
 *   RPReLU], 2x2 max-pool: H/2 x W/2;
 * - stage 1: `blocks[0]` residual blocks x + BN(QuantConv2D 3x3(sign(x))) [reactnet: RSign
 *   instead of sign, RPReLU after the addition];
 * - downsampling block (Bi-Real Net's form): binary 3x3 convolution with stride 2 to 2 x width
 *   channels, batch-norm; shortcut 2x2 average pooling, real 1x1 convolution, batch-norm
 *   (not ReActNet's channel concatenation: one shortcut form for both models);
 * - stage 2: `blocks[1] - 1` more residual blocks at 2 x width;
 * - global average pooling, then a real-valued dense classifier with bias (real, as in both
 *   papers: a binary classifier costs them several points).
 * Every binary convolution's input is binarized, its kernel 1-bit; only the stem, the 1x1
 * shortcut convolution and the classifier are real-valued.
 */
export function residualLayers(
  name: "birealnet" | "reactnet",
  inputShape: readonly number[],
  classes: number,
  o: ResidualModelOptions,
): Layer[] {
  const width = o.width ?? 32;
  const blocks = o.blocks ?? [4, 3];
  checkOptions(inputShape, width, blocks);
  const react = name === "reactnet";
  const binaryConv = (filters: number, stride: number): Layer[] => {
    const kernelQuantizer = o.kernelQuantizer ?? "ste_sign";
    const common = { filters, kernelSize: 3, strides: stride, padding: 1, kernelQuantizer, useBias: false };
    const quantizer = o.inputQuantizer ?? "approx_sign";
    const conv = react
      ? [new RSign({ quantizer }), new QuantConv2D({ ...common, inputIsBinary: true })]
      : [new QuantConv2D({ ...common, inputQuantizer: quantizer })];
    return [...conv, ...(o.scaling === true ? [new ChannelScale()] : []), new BatchNorm()];
  };
  const after = (): Layer[] => (react ? [new RPReLU()] : []);
  const layers: Layer[] = [
    new Conv2D({ filters: width, kernelSize: 3, padding: "same", useBias: false }),
    new BatchNorm(),
    ...after(),
    new MaxPool2D({ poolSize: 2 }),
  ];
  for (let i = 0; i < blocks[0]; i++) layers.push(new Residual(binaryConv(width, 1)), ...after());
  const shortcut = [
    new AvgPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 2 * width, kernelSize: 1, useBias: false }),
    new BatchNorm(),
  ];
  layers.push(new Residual(binaryConv(2 * width, 2), { shortcut }), ...after());
  for (let i = 1; i < blocks[1]; i++) layers.push(new Residual(binaryConv(2 * width, 1)), ...after());
  const side = inputShape[1] / 4;
  layers.push(new AvgPool2D({ poolSize: side }), new Flatten(), new Dense({ units: classes }));
  return layers;
}

function checkOptions(inputShape: readonly number[], width: number, blocks: readonly number[]): void {
  if (!Number.isInteger(width) || width < 1) {
    throw new BamsprodError(`width must be a positive integer, got ${show(width)}`);
  }
  if (blocks.length !== 2 || !blocks.every((b) => Number.isInteger(b) && b >= 1)) {
    throw new BamsprodError(`blocks must be two integers >= 1, got ${show(blocks)}`);
  }
  const [, h, w] = inputShape;
  if (inputShape.length !== 3 || h !== w || h % 4 !== 0 || h < 8) {
    throw new BamsprodError(
      `the residual models take square images whose side is a multiple of 4 (28x28, 32x32), got input [${inputShape.join(", ")}]`,
    );
  }
}
