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
}
