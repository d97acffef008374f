/**
 * The kernel interface: the heavy numeric routines of the engine. Layers and ops call these
 * and nothing lower, so a faster implementation (the native addon) replaces the portable
 * TypeScript one without touching the layers. All arrays are row-major and dense; outputs are
 * caller-allocated. Kernels know nothing about tensors, layers or models.
 */
/** A convolution's channels, kernel window, strides and zero padding (also a packed conv2d layer's). */
export interface ConvWindow {
  inChannels: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

export interface ConvGeometry extends ConvWindow {
  batch: number;
  inHeight: number;
  inWidth: number;
  /** Derived: floor((inHeight + 2*padH - kernelH) / strideH) + 1. */
  outHeight: number;
  outWidth: number;
}

export interface PoolGeometry {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  size: number;
  stride: number;
  outHeight: number;
  outWidth: number;
}

/**
 * Per-channel layout of x[batch, channels, spatial] (spatial = H * W for images, 1 for [N, C]):
 * element (n, c, i) is at (n * channels + c) * spatial + i.
 */
export interface ChannelLayout {
  batch: number;
  channels: number;
  spatial: number;
}

export interface Kernels {
  /** "portable" or "native". */
  readonly name: string;

  /**
   * C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k and op(B) is k x n (op = transpose
   * when the flag is set; A is then stored k x m, B n x k). C is m x n. As in BLAS, beta = 0
   * overwrites C without reading it (NaN in C does not propagate).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;

  /** y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C, KH, KW]) (no bias; cross-correlation). */
  conv2dForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;
  /** dx = d(loss)/dx given dy; overwrites dx. */
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, g: ConvGeometry, dx: Float32Array): void;
  /** dw += d(loss)/dw given x and dy (accumulates). */
  conv2dBackwardFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry, dw: Float32Array): void;

  /**
   * Max pooling; `argmax` records the flat input index of each output's maximum. On ties the
   * first maximum in row-major window order wins, so gradients go to exactly one input.
   */
  maxPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array, argmax: Int32Array): void;
  /** dx += scatter of dy through argmax (accumulates). */
  maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;

  /**
   * Average pooling (added with the tensor engine): y[n, c, oh, ow] = mean of the size x size
   * window of x[n, c] starting at (oh * stride, ow * stride). No padding, so every window is full.
   */
  avgPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array): void;
  /** dx += dy spread evenly (1 / size^2) over each output's window (accumulates). */
  avgPoolBackward(dy: Float32Array, g: PoolGeometry, dx: Float32Array): void;

  /**
   * Binary product: signs of a (m x k, row-major) times signs of b (n x k, row-major, i.e. B
   * transposed), c (m x n) = sum_k sign(a)*sign(b), with sign(0) = +1. Exact (an integer).
   */
  binaryGemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;

  /**
   * Binary convolution (added for the XNOR forward pass): y = conv(sign(x), sign(w)) with the
   * geometry's zero padding, where padded taps contribute 0 (not +-1). Exact: equal to
   * conv2dForward of the +-1 tensors.
   */
  binaryConv2dForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void;

  /**
   * Latent-weight clip in place: x[i] = min(max(x[i], -bound), bound) over x.length; NaN stays
   * NaN and -0 stays -0.
   */
  clipInPlace(x: Float32Array, bound: number): void;
  /** Sign quantizer: y[i] = +1 where x[i] >= 0, else -1 (NaN gives -1), over x.length. */
  signForward(x: Float32Array, y: Float32Array): void;
  /**
   * Straight-through gradient of sign (and hardtanh's gradient): dx[i] += dy[i] * (|x[i]| <= 1
   * ? 1 : 0) over x.length (accumulates; a NaN dy propagates either way).
   */
  steBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /**
   * Bi-Real Net's gradient of sign: dx[i] += dy[i] * (|x[i]| <= 1 ? 2 - 2|x[i]| : 0) over
   * x.length, in double, rounded once to float32 (accumulates).
   */
  approxSignBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** y[i] = a[i] + b[i] in float32 over y.length; y may be a or b (residual sums, gradient accumulation). */
  addArrays(a: Float32Array, b: Float32Array, y: Float32Array): void;

  /**
   * Batch-norm statistics per channel, in double precision: mean[c] and the biased
   * variance[c] = mean((x - mean[c])^2) over batch and spatial positions (two passes; a plane's
   * sum runs in index order, planes are added in batch order, so every implementation gives
   * the same bits). Overwrites mean and variance.
   */
  batchNormStatistics(x: Float32Array, l: ChannelLayout, mean: Float64Array, variance: Float64Array): void;
  /** y = x * scale[c] + shift[c], computed in double and rounded once. */
  batchNormApply(
    x: Float32Array,
    l: ChannelLayout,
    scale: Float64Array,
    shift: Float64Array,
    y: Float32Array,
  ): void;
  /**
   * Backward sums per channel (overwritten): sumDy[c] = sum of dy, sumDyXhat[c] = sum over planes
   * of invStd[c] * (plane's sum of dy * (x - mean[c])), in the order of batchNormStatistics.
   */
  batchNormGradientSums(
    x: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    mean: Float64Array,
    invStd: Float64Array,
    sumDy: Float64Array,
    sumDyXhat: Float64Array,
  ): void;
  /** dx += k[c] * (dy - meanDy[c] - (x - mean[c]) * xCoef[c]), in double (accumulates). */
  batchNormInputGradient(
    x: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    mean: Float64Array,
    k: Float64Array,
    meanDy: Float64Array,
    xCoef: Float64Array,
    dx: Float32Array,
  ): void;

  /*
   * Per-channel passes (RSign's shift, RPReLU, ChannelScale) over x[batch, channels, spatial]
   * with float32 vectors [channels]. Outputs are float32 chains, as the packed runtime computes
   * them. Backward passes accumulate into float32 gradients; an empty gradient array means "not
   * wanted". A channel's sums run in double over each plane's values in index order, and each
   * plane's sum is added into the float32 gradient in batch order, so every implementation
   * gives the same bits.
   */
  /** y = x - b[c]. */
  channelSubtract(x: Float32Array, l: ChannelLayout, b: Float32Array, y: Float32Array): void;
  /** dx += dy; db[c] -= the sum of dy over the channel. */
  channelSubtractBackward(dy: Float32Array, l: ChannelLayout, dx: Float32Array, db: Float32Array): void;
  /** y = x * a[c]. */
  channelMultiply(x: Float32Array, l: ChannelLayout, a: Float32Array, y: Float32Array): void;
  /** dx += dy * a[c] (double, rounded once); da[c] += the sum of dy * x over the channel. */
  channelMultiplyBackward(
    x: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    a: Float32Array,
    dx: Float32Array,
    da: Float32Array,
  ): void;
  /**
   * RPReLU: u = x - g[c] (float32, kept for the backward pass) and y = (p * u + (1 - p) *
   * fround(a[c] * u)) + z[c] in double with p = 1 where u > 0, else 0, rounded once.
   */
  rpreluForward(
    x: Float32Array,
    l: ChannelLayout,
    g: Float32Array,
    a: Float32Array,
    z: Float32Array,
    u: Float32Array,
    y: Float32Array,
  ): void;
  /**
   * RPReLU's backward from u: with s = 1 where u > 0, else a[c], and ds = dy * s in double:
   * dx += ds, dg[c] -= the sum of ds, da[c] += the sum of (1 - p) * dy * u, dz[c] += the sum of dy
   * (each plane's three sums taken together, in index order).
   */
  rpreluBackward(
    u: Float32Array,
    dy: Float32Array,
    l: ChannelLayout,
    a: Float32Array,
    dx: Float32Array,
    dg: Float32Array,
    da: Float32Array,
    dz: Float32Array,
  ): void;
}
