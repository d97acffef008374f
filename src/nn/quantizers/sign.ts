/**
 * Sign quantizers with their pseudo-gradients (larq names). The forward pass of all three is
 * the same sign function, sign(0) = +1, so every output is exactly +-1. They differ only in
 * the gradient they pretend sign has, which is what makes a binary network trainable.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { sign } from "../../tensor/index.js";

/** sign(x) with sign(0) = +1 (a zero must still map to one of the two binary values). */
export function binarySign(x: number): number {
  return x >= 0 ? 1 : -1;
}

/**
 * Straight-through estimator: d sign(x)/dx := 1 where |x| <= 1, else 0 (the gradient of
 * hardtanh). Cancelling the gradient outside [-1, 1] stops latent values that are already
 * saturated from drifting further (Hubara et al. 2016; larq `ste_sign` with clip_value 1).
 */
export function steSignGradient(x: number): number {
  return Math.abs(x) <= 1 ? 1 : 0;
}

/**
 * Bi-Real Net's approximation (Liu et al. 2018): sign is approximated by the piecewise
 * quadratic 2x - x|x| on [-1, 1] (clamped to +-1 outside), whose derivative is
 * 2 - 2|x| for |x| <= 1, else 0. Closer to sign's true shape than the STE's box.
 */
export function approxSignGradient(x: number): number {
  const a = Math.abs(x);
  return a <= 1 ? 2 - 2 * a : 0;
}

/**
 * SwishSign (Darabi et al. 2018, BNN+): sign is approximated by
 * s(x) = 2 sigmoid(bx) (1 + bx (1 - sigmoid(bx))) - 1, whose derivative is
 * s'(x) = 2b sigmoid(bx) (1 - sigmoid(bx)) (2 - bx tanh(bx / 2))
 *       = b (2 - bx tanh(bx / 2)) / (1 + cosh(bx)).
 * It is slightly negative for large |x|, pushing saturated latent values back. Default b = 5.
 */
export function swishSignGradient(x: number, beta = 5): number {
  const z = beta * x;
  // Beyond |z| ~ 700 cosh overflows; the true value there is 0 to double precision.
  if (Math.abs(z) > 700) return 0;
  return (beta * (2 - z * Math.tanh(z / 2))) / (1 + Math.cosh(z));
}

/** The smooth function whose derivative SwishSign uses (for tests and plots). */
export function swishSignSmooth(x: number, beta = 5): number {
  const s = 1 / (1 + Math.exp(-beta * x));
  return 2 * s * (1 + beta * x * (1 - s)) - 1;
}

/** Binarizes to +-1; backward: straight-through, gradient 1 where |x| <= 1, else 0. */
export function ste_sign(x: Tensor): Tensor {
  return sign(x); // the op's default gradient is steSignGradient, run as one kernel pass
}

/** Binarizes to +-1; backward: Bi-Real Net's 2 - 2|x| where |x| <= 1, else 0. */
export function approx_sign(x: Tensor): Tensor {
  return sign(x, "approx"); // approxSignGradient, run as one kernel pass (approxSignBackward)
}

/** Binarizes to +-1; backward: the derivative of SwishSign with slope `beta` (default 5). */
export function swish_sign(x: Tensor, beta = 5): Tensor {
  return sign(x, (v) => swishSignGradient(v, beta));
}
