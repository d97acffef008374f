/**
 * Element-wise kernels: the sign quantizer, its straight-through gradient (as plain loops: the
 * ops used to pass a callback per element), and the latent-weight clip.
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
