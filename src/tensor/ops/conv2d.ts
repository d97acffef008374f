import { takeBuffer } from "../buffers.js";
import { convGeometry, getBackend } from "../../kernels/index.js";
import { BamsprodError } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { addChannelValues, sumPerChannelInto } from "./bias.js";
import { accumulateWritten, outGrad } from "./grad.js";

/** Stride and zero padding of a convolution: one number for both axes, or [vertical, horizontal]. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  /**
   * The caller's promise that x and w hold only +1 and -1 (outputs of sign quantizers): the
   * forward pass then runs as the kernels' XNOR + popcount convolution, exact (padding still
   * contributes 0), so the output is bit-identical to the float convolution.
   */
  binary?: boolean;
}

/**
 * 2-D convolution (cross-correlation, as in every framework): x[N, C, H, W] with weights
 * w[O, C, KH, KW] and an optional bias[O] -> y[N, O, OH, OW], OH = floor((H + 2p - KH) / s) + 1.
 * Backward: the kernels' backward-input (skipped when x needs no gradient, e.g. the images)
 * and backward-filter, plus per-channel sums of dy for the bias.
 * @example conv2d(x, w, null, { stride: 1, padding: 1 }) // 3x3 "same" convolution
 */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = convGeometry(x.shape, w.shape, options.stride ?? 1, options.padding ?? 0);
  if (bias !== null && bias.size !== g.outChannels) {
    throw new BamsprodError(
      `conv2d: bias has ${bias.size} elements, expected ${g.outChannels} (one per output channel)`,
    );
  }
  const spatial = g.outHeight * g.outWidth;
  const y = takeBuffer(g.batch * g.outChannels * spatial, false);
  if (options.binary === true) getBackend().kernels.binaryConv2dForward(x.data, w.data, g, y);
  else getBackend().kernels.conv2dForward(x.data, w.data, g, y);
  if (bias !== null) addChannelValues(y, bias.data, g.batch, g.outChannels, spatial, y);
  const shape = [g.batch, g.outChannels, g.outHeight, g.outWidth];
  const inputs = bias === null ? [x, w] : [x, w, bias];
  return Tensor.fromOp(y, shape, inputs, (out) => {
    const dy = outGrad(out);
    const kernels = getBackend().kernels;
    if (x.requiresGrad) accumulateWritten(x, (dx) => kernels.conv2dBackwardInput(dy, w.data, g, dx));
    if (w.requiresGrad) kernels.conv2dBackwardFilter(x.data, dy, g, w.gradBuffer());
    if (bias !== null && bias.requiresGrad) {
      sumPerChannelInto(dy, g.batch, g.outChannels, spatial, bias.gradBuffer());
    }
  });
}
