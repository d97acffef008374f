/**
 * Builds the geometry records the kernels take from tensor shapes, checking them: a shape that
 * cannot be convolved or pooled is the user's model description, hence a BamsprodError.
 */
import { BamsprodError, show } from "../util/errors.js";
import type { ConvGeometry, PoolGeometry } from "./kernels.js";

/**
 * Geometry of conv(x[N, C, H, W], w[O, C, KH, KW]) with the given stride and zero padding
 * (each a number or [vertical, horizontal]).
 */
export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  stride: number | readonly [number, number] = 1,
  padding: number | readonly [number, number] = 0,
): ConvGeometry {
  if (xShape.length !== 4 || wShape.length !== 4) {
    throw new BamsprodError(
      `conv2d: input must be [N, C, H, W] and weights [O, C, KH, KW], got ${show(xShape)} and ${show(wShape)}`,
    );
  }
  const [batch, inChannels, inHeight, inWidth] = xShape;
  const [outChannels, wChannels, kernelH, kernelW] = wShape;
  if (wChannels !== inChannels) {
    throw new BamsprodError(
      `conv2d: weights ${show(wShape)} expect ${wChannels} input channels but the input ${show(xShape)} has ${inChannels}`,
    );
  }
  const [strideH, strideW] = pair("stride", stride, 1);
  const [padH, padW] = pair("padding", padding, 0);
  const outHeight = Math.floor((inHeight + 2 * padH - kernelH) / strideH) + 1;
  const outWidth = Math.floor((inWidth + 2 * padW - kernelW) / strideW) + 1;
  if (kernelH < 1 || kernelW < 1 || outHeight < 1 || outWidth < 1) {
    throw new BamsprodError(
      `conv2d: a ${kernelH}x${kernelW} kernel with padding ${show([padH, padW])} does not fit ` +
        `the ${inHeight}x${inWidth} input; use a smaller kernel or more padding`,
    );
  }
  return {
    batch,
    inChannels,
    inHeight,
    inWidth,
    outChannels,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    outHeight,
    outWidth,
  };
}

/** Geometry of pooling x[N, C, H, W] with square size x size windows every `stride` pixels. */
export function poolGeometry(xShape: readonly number[], size: number, stride: number = size): PoolGeometry {
  if (xShape.length !== 4) {
    throw new BamsprodError(`pooling: input must be [N, C, H, W], got ${show(xShape)}`);
  }
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(stride) || stride < 1) {
    throw new BamsprodError(
      `pooling: size and stride must be positive integers, got size ${show(size)}, stride ${show(stride)}`,
    );
  }
  const [batch, channels, inHeight, inWidth] = xShape;
  if (size > inHeight || size > inWidth) {
    throw new BamsprodError(
      `pooling: window ${size}x${size} is larger than the ${inHeight}x${inWidth} input; use a smaller pool size`,
    );
  }
  const outHeight = Math.floor((inHeight - size) / stride) + 1;
  const outWidth = Math.floor((inWidth - size) / stride) + 1;
  return { batch, channels, inHeight, inWidth, size, stride, outHeight, outWidth };
}

function pair(what: string, v: number | readonly [number, number], min: number): [number, number] {
  const [h, w] = typeof v === "number" ? [v, v] : v;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < min || w < min) {
    throw new BamsprodError(`conv2d: ${what} must be integers >= ${min}, got ${show(v)}`);
  }
  return [h, w];
}
