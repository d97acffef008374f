/**
 * Shared pieces of the kernel conformance suite (a helper, not a test): seeded arrays, naive
 * float64 references, and comparisons with stated tolerances.
 */
import assert from "node:assert/strict";
import type { ChannelLayout, ConvGeometry } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/random.js";

/** Uniform values in [-1, 1), seeded. */
export function randomArray(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng.uniform() - 1;
  return out;
}

/** Values from a few levels (with exact zeros and -0), so maxima tie and signs hit 0. */
export function coarseArray(rng: Rng, n: number): Float32Array {
  const levels = [-1, -0.5, -0, 0, 0.5, 1];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = levels[rng.int(levels.length)];
  return out;
}

export function absArray(a: Float32Array): Float32Array {
  return a.map((v) => Math.abs(v));
}

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/**
 * |actual - expected| <= bound[i] for every i, where the caller derives `bound` from the
 * standard error bound of a float32 dot product of length k: gamma_k * sum |a||b|,
 * gamma_k ~ k * u (the reference accumulates in double, so its own error is negligible).
 */
export function assertWithin(
  actual: Float32Array,
  expected: ArrayLike<number>,
  bound: ArrayLike<number>,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= bound[i])) {
      assert.fail(
        `${what}: element ${i}: got ${actual[i]} vs expected ${expected[i]} (|diff| ${diff} > bound ${bound[i]})`,
      );
    }
  }
}

/** Bit-identical comparison (exact kernels); +0 and -0 count as equal. */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      assert.fail(`${what}: element ${i}: got ${actual[i]} vs expected ${expected[i]}`);
    }
  }
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

/**
 * Layouts for the per-channel kernels' bit-for-bit checks: [N, C] layouts (spatial 1) and
 * image layouts, batches that are and are not multiples of the eight planes the native
 * kernels sum at a time, and sizes past the native pool's grains.
 */
export const channelLayouts: ChannelLayout[] = [
  { batch: 1, channels: 1, spatial: 1 },
  { batch: 13, channels: 5, spatial: 1 },
  { batch: 128, channels: 512, spatial: 1 },
  { batch: 3, channels: 2, spatial: 9 },
  { batch: 17, channels: 3, spatial: 49 },
  { batch: 16, channels: 32, spatial: 196 },
  { batch: 9, channels: 7, spatial: 785 },
];
