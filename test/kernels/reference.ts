/**
 * Naive float64 reference implementations for checking the kernels (a helper, not a test).
 */
import type { ConvGeometry } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";

export function randomArray(length: number, rng: Rng): Float32Array {
  return Float32Array.from({ length }, () => rng.uniform() * 2 - 1);
}

/** op(A)[i, p] * op(B)[p, j] summed in float64, plus |terms| for an error bound. */
export function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
): { value: Float64Array; magnitude: Float64Array } {
  const value = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const t = (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        s += t;
        abs += Math.abs(t);
      }
      value[i * n + j] = s;
      magnitude[i * n + j] = abs;
    }
  }
  return { value, magnitude };
}

/** Direct 7-loop convolution in float64. */
export function naiveConv(x: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const y = new Float64Array(g.batch * g.outChannels * g.outHeight * g.outWidth);
  forEachTap(g, (xi, wi, yi) => {
    y[yi] += x[xi] * w[wi];
  });
  return y;
}

/** d(sum dy*y)/dx: the same taps, the other way round. */
export function naiveConvInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.batch * g.inChannels * g.inHeight * g.inWidth);
  forEachTap(g, (xi, wi, yi) => {
    dx[xi] += dy[yi] * w[wi];
  });
  return dx;
}

export function naiveConvFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.outChannels * g.inChannels * g.kernelH * g.kernelW);
  forEachTap(g, (xi, wi, yi) => {
    dw[wi] += dy[yi] * x[xi];
  });
  return dw;
}

/** Calls visit(inputIndex, weightIndex, outputIndex) for every in-bounds multiply of the conv. */
function forEachTap(g: ConvGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < g.batch; n++)
    for (let o = 0; o < g.outChannels; o++)
      for (let oh = 0; oh < g.outHeight; oh++)
        for (let ow = 0; ow < g.outWidth; ow++)
          for (let c = 0; c < g.inChannels; c++)
            for (let kh = 0; kh < g.kernelH; kh++)
              for (let kw = 0; kw < g.kernelW; kw++) {
                const ih = oh * g.strideH - g.padH + kh;
                const iw = ow * g.strideW - g.padW + kw;
                if (ih < 0 || ih >= g.inHeight || iw < 0 || iw >= g.inWidth) continue;
                const xi = ((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw;
                const wi = ((o * g.inChannels + c) * g.kernelH + kh) * g.kernelW + kw;
                const yi = ((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow;
                visit(xi, wi, yi);
              }
}

/** Largest |got - want| relative to max(1, |want|). */
export function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  }
  return worst;
}
