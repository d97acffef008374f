/**
 * Element-wise kernels: the sign quantizer, its straight-through and Bi-Real gradients (as
 * plain loops: the ops used to pass a callback per element), the latent-weight clip, and the
 * float32 sum of two arrays.
 */

/** x[i] = min(max(x[i], -bound), bound) by comparisons, so NaN stays NaN and -0 stays -0. */
export function clipInPlace(x: Float32Array, bound: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v > bound) x[i] = bound;
    else if (v < -bound) x[i] = -bound;
  }
}

/** y[i] = +1 where x[i] >= 0, else -1; NaN gives -1 (not >= 0), as packSigns does. */
export function signForward(x: Float32Array, y: Float32Array): void {
  const n = x.length;
  if (y.length < n) throw new Error(`signForward: y has ${y.length} elements, needs ${n}`);
  for (let i = 0; i < n; i++) y[i] = x[i] >= 0 ? 1 : -1;
}

/** dx[i] += dy[i] * (|x[i]| <= 1 ? 1 : 0): multiplied rather than skipped, so NaN propagates. */
export function steBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const n = x.length;
  if (dy.length < n || dx.length < n) {
    throw new Error(`steBackward: dy has ${dy.length} and dx ${dx.length} elements, both need ${n}`);
  }
  for (let i = 0; i < n; i++) dx[i] += dy[i] * (Math.abs(x[i]) <= 1 ? 1 : 0);
}

/**
 * Bi-Real Net's gradient of sign: dx[i] += dy[i] * (|x[i]| <= 1 ? 2 - 2|x[i]| : 0), in double,
 * rounded once (the op computed dx[i] += dy[i] * approxSignGradient(x[i]) per element).
 */
export function approxSignBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const n = x.length;
  if (dy.length < n || dx.length < n) {
    throw new Error(`approxSignBackward: dy has ${dy.length} and dx ${dx.length} elements, both need ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const a = Math.abs(x[i]);
    dx[i] += dy[i] * (a <= 1 ? 2 - 2 * a : 0);
  }
}

/** y[i] = a[i] + b[i] in float32 over y.length; y may be a or b (dst += src is addArrays(dst, src, dst)). */
export function addArrays(a: Float32Array, b: Float32Array, y: Float32Array): void {
  const n = y.length;
  if (a.length < n || b.length < n) {
    throw new Error(`addArrays: a has ${a.length} and b ${b.length} elements, both need ${n}`);
  }
  for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
}
