/**
 * Portable 2-D convolution by im2col + gemm, one image at a time.
 *
 * For image n, im2col lays the receptive fields out as a matrix col[C*KH*KW, OH*OW]; the
 * weights w[O, C, KH, KW] are already a matrix w[O, C*KH*KW], so
 *   forward:         y_n  = w * col                       (gemm)
 *   backward filter: dw  += dy_n * col^T                  (gemm, transB)
 *   backward input:  dx_n = col2im(w^T * dy_n)            (gemm transA, then scatter-add)
 * One image at a time keeps the column matrix small (288 x 784 floats for a 3x3, 32-channel,
 * 28x28 layer) and reused across calls through a scratch slot, instead of batch-sized.
 */
import type { ConvGeometry } from "../kernels.js";
import { gemm } from "./gemm.js";
import { scratchFloat32 } from "./scratch.js";

/** y[N, O, OH, OW] = w (*) x, no bias. */
export function conv2dForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void {
  const { rows, cols } = sizes(g);
  eachImageColumns(x, g, y, (b, yn) => gemm(false, false, g.outChannels, cols, rows, 1, w, b, 0, yn));
}

/** dx = d(loss)/dx (overwritten) from dy and the weights. */
export function conv2dBackwardInput(
  dy: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
): void {
  const { rows, cols, inSize, outSize } = sizes(g);
  const pointwise = isPointwise(g);
  const col = pointwise ? null : scratchFloat32("conv.dcol", rows * cols);
  for (let n = 0; n < g.batch; n++) {
    const dyn = dy.subarray(n * outSize, (n + 1) * outSize);
    const dxn = dx.subarray(n * inSize, (n + 1) * inSize);
    if (col === null) {
      gemm(true, false, rows, cols, g.outChannels, 1, w, dyn, 0, dxn);
    } else {
      gemm(true, false, rows, cols, g.outChannels, 1, w, dyn, 0, col);
      dxn.fill(0);
      col2imAdd(col, g, dxn);
    }
  }
}

/** dw += d(loss)/dw from the input x and dy. */
export function conv2dBackwardFilter(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dw: Float32Array,
): void {
  const { rows, cols } = sizes(g);
  eachImageColumns(x, g, dy, (b, dyn) => gemm(false, true, g.outChannels, rows, cols, 1, dyn, b, 1, dw));
}

/**
 * For each image n of x: its column matrix (im2col, in the "conv.col" scratch slot; x_n itself
 * for a pointwise convolution) and its slice of `perImage` ([N, OC, OH, OW]), handed to `use`.
 */
function eachImageColumns(
  x: Float32Array,
  g: ConvGeometry,
  perImage: Float32Array,
  use: (columns: Float32Array, imageSlice: Float32Array) => void,
): void {
  const { rows, cols, inSize, outSize } = sizes(g);
  const col = isPointwise(g) ? null : scratchFloat32("conv.col", rows * cols);
  for (let n = 0; n < g.batch; n++) {
    const xn = x.subarray(n * inSize, (n + 1) * inSize);
    if (col !== null) im2col(xn, g, col);
    use(col ?? xn, perImage.subarray(n * outSize, (n + 1) * outSize));
  }
}

function sizes(g: ConvGeometry) {
  return {
    rows: g.inChannels * g.kernelH * g.kernelW,
    cols: g.outHeight * g.outWidth,
    inSize: g.inChannels * g.inHeight * g.inWidth,
    outSize: g.outChannels * g.outHeight * g.outWidth,
  };
}

/** A 1x1, stride-1, unpadded convolution: the image itself is the column matrix. */
function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0
  );
}

/**
 * The output columns ow whose input column ow*stride - pad + kw lies inside [0, width): a
 * contiguous range, so the inner loops below need no bounds test per element.
 */
function validRange(kw: number, stride: number, pad: number, width: number, outWidth: number) {
  const lo = Math.min(outWidth, Math.max(0, Math.ceil((pad - kw) / stride)));
  const hi = Math.max(lo, Math.min(outWidth, Math.floor((width - 1 + pad - kw) / stride) + 1));
  return { lo, hi };
}

/** col[(c*KH + kh)*KW + kw, oh*OW + ow] = x[c, oh*sh - ph + kh, ow*sw - pw + kw] (0 outside). */
export function im2col(x: Float32Array, g: ConvGeometry, col: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideH: sh, strideW: sw } = g;
  let dst = 0;
  for (let c = 0; c < g.inChannels; c++) {
    for (let kh = 0; kh < g.kernelH; kh++) {
      for (let kw = 0; kw < g.kernelW; kw++) {
        const { lo, hi } = validRange(kw, sw, g.padW, W, OW);
        for (let oh = 0; oh < OH; oh++, dst += OW) {
          const ih = oh * sh - g.padH + kh;
          if (ih < 0 || ih >= H) {
            col.fill(0, dst, dst + OW);
            continue;
          }
          col.fill(0, dst, dst + lo);
          let src = (c * H + ih) * W + lo * sw - g.padW + kw;
          for (let ow = lo; ow < hi; ow++, src += sw) col[dst + ow] = x[src];
          col.fill(0, dst + hi, dst + OW);
        }
      }
    }
  }
}

/** The adjoint of im2col: x[c, ih, iw] += every col entry that im2col read from there. */
export function col2imAdd(col: Float32Array, g: ConvGeometry, x: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideH: sh, strideW: sw } = g;
  let src = 0;
  for (let c = 0; c < g.inChannels; c++) {
    for (let kh = 0; kh < g.kernelH; kh++) {
      for (let kw = 0; kw < g.kernelW; kw++) {
        const { lo, hi } = validRange(kw, sw, g.padW, W, OW);
        for (let oh = 0; oh < OH; oh++, src += OW) {
          const ih = oh * sh - g.padH + kh;
          if (ih < 0 || ih >= H) continue;
          let dst = (c * H + ih) * W + lo * sw - g.padW + kw;
          for (let ow = lo; ow < hi; ow++, dst += sw) x[dst] += col[src + ow];
        }
      }
    }
  }
}
