/**
 * The binarizing quantizers of bamsprod as tfjs functions with custom (pseudo-)gradients.
 * Forward, all give +-1 with sign(0) = +1 (magnitude_aware_sign scales it per output channel);
 * backward, each replaces the zero-almost-everywhere derivative of sign by a surrogate:
 *
 * | name                 | gradient passed back (times the incoming gradient dy)          |
 * |----------------------|----------------------------------------------------------------|
 * | ste_sign             | 1 where abs(x) <= 1, else 0 (straight-through estimator)       |
 * | approx_sign          | 2 - 2 abs(x) where abs(x) <= 1, else 0 (Bi-Real Net)           |
 * | swish_sign           | b (2 - b x tanh(b x / 2)) / (1 + cosh(b x)), b = 5             |
 * | magnitude_aware_sign | s * (1 where abs(x) <= 1, else 0), s = the forward scale       |
 *
 * magnitude_aware_sign (Bi-Real Net's weight binarizer) outputs sign(w) * s with s the mean of
 * abs(w) over every axis but the last (one scale per output channel: per unit of a dense
 * kernel [in, out], per filter of a conv kernel [kh, kw, in, out]). The scale is treated as a
 * constant in the backward pass (no gradient flows through the mean), as larq does, so the
 * gradient is the straight-through one multiplied by s.
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";
import { signPlus } from "./base.js";

/** A quantizer maps a tensor to a tensor of the same shape, with a pseudo-gradient. */
export type Quantizer = (x: tf.Tensor) => tf.Tensor;

/** The quantizer names accepted by `inputQuantizer` / `kernelQuantizer`. */
export const quantizerNames = ["ste_sign", "approx_sign", "swish_sign", "magnitude_aware_sign"] as const;
export type QuantizerName = (typeof quantizerNames)[number];

/** The swish_sign sharpness, as in larq (beta = 5). */
export const SWISH_BETA = 5;

type Derivative = (x: tf.Tensor) => tf.Tensor;

/** Builds `value = forward(x)`, `dx = dy * derivative(x)` with tf.customGrad. */
function withPseudoGradient(forward: (x: tf.Tensor) => tf.Tensor, derivative: Derivative): Quantizer {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0])),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x) => op(x);
}

/** 1 where abs(x) <= 1, else 0. */
function passWindow(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.lessEqual(tf.abs(x), 1), "float32");
}

/** Mean of abs(w) over every axis but the last, kept broadcastable against w. */
export function channelScale(w: tf.Tensor): tf.Tensor {
  const axes = [...Array(Math.max(w.rank - 1, 0)).keys()];
  return axes.length === 0 ? tf.abs(w) : tf.mean(tf.abs(w), axes, true);
}

/** sign(x) forward (sign(0) = +1); gradient passes where abs(x) <= 1. */
export const steSign: Quantizer = withPseudoGradient(signPlus, passWindow);

/** sign(x) forward; gradient 2 - 2 abs(x) inside [-1, 1] (the derivative of Bi-Real Net's ApproxSign). */
export const approxSign: Quantizer = withPseudoGradient(signPlus, (x) =>
  tf.relu(tf.sub(2, tf.mul(tf.abs(x), 2))),
);

/** sign(x) forward; gradient of the SignSwish function with beta = 5. */
export const swishSign: Quantizer = withPseudoGradient(signPlus, (x) => {
  const bx = tf.mul(x, SWISH_BETA);
  const numerator = tf.mul(tf.sub(2, tf.mul(bx, tf.tanh(tf.div(bx, 2)))), SWISH_BETA);
  return tf.div(numerator, tf.add(tf.cosh(bx), 1));
});

/** sign(w) times the per-output-channel mean of abs(w); gradient: that scale where abs(w) <= 1. */
export const magnitudeAwareSign: Quantizer = withPseudoGradient(
  (w) => tf.mul(signPlus(w), channelScale(w)),
  (w) => tf.mul(passWindow(w), channelScale(w)),
);

const byName: Record<QuantizerName, Quantizer> = {
  ste_sign: steSign,
  approx_sign: approxSign,
  swish_sign: swishSign,
  magnitude_aware_sign: magnitudeAwareSign,
};

/**
 * The canonical (snake_case) name of a quantizer identifier. tfjs-layers turns string values
 * of a saved layer config into camelCase on loading ("ste_sign" comes back as "steSign"),
 * so both spellings are accepted.
 */
export function quantizerName(id: string): QuantizerName {
  const snake = id.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if ((quantizerNames as readonly string[]).includes(snake)) return snake as QuantizerName;
  throw new BamsprodError(`unknown quantizer ${show(id)}; use one of ${quantizerNames.join(", ")} or null`);
}

/** The quantizer function called `id` (see {@link quantizerNames}). */
export function getQuantizer(id: string): Quantizer {
  return byName[quantizerName(id)];
}
