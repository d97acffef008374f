/**
 * The kernel interface: the heavy numeric routines of the engine. Layers and ops call these
 * and nothing lower, so a faster implementation (the native addon) replaces the portable
 * TypeScript one without touching the layers. All arrays are row-major and dense; outputs are
 * caller-allocated. Kernels know nothing about tensors, layers or models.
 */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
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
}
