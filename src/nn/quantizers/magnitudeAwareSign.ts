/**
 * XNOR-Net's kernel quantizer (Rastegari et al. 2016), larq `magnitude_aware_sign`:
 * q = alpha_o * sign(w) with alpha_o = mean |w| over output channel o. The scaled binary
 * kernel keeps each filter's magnitude, so the layer's output scale does not collapse.
 */
import { Tensor } from "../../tensor/tensor.js";
import { binarySign, steSignGradient } from "./sign.js";

/**
 * Per-output-channel magnitude-aware sign of a kernel laid out [out, ...] (dense [out, in],
 * conv [O, C, KH, KW]).
 *
 * Backward: dL/dw = alpha_o * dL/dq * 1{|w| <= 1}, the straight-through gradient of sign
 * scaled by the channel's scale. The scale's own dependence on w (d alpha_o / dw = sign(w) / n)
 * is NOT differentiated: as in larq (which wraps the scale in stop_gradient), alpha is treated
 * as a constant. That term is O(1/n) per weight and only nudges the whole filter's magnitude,
 * which the following batch-norm renormalizes anyway.
 */
export function magnitude_aware_sign(w: Tensor): Tensor {
  const channels = w.shape[0];
  const per = channels === 0 ? 0 : w.size / channels;
  const scales = channelMeanAbs(w.data, channels, per);
  const out = new Float32Array(w.size);
  for (let o = 0; o < channels; o++) {
    for (let i = o * per; i < (o + 1) * per; i++) out[i] = scales[o] * binarySign(w.data[i]);
  }
  return Tensor.fromOp(out, w.shape, [w], (y) => {
    const gy = y.grad as Float32Array;
    const gw = w.gradBuffer();
    for (let o = 0; o < channels; o++) {
      for (let i = o * per; i < (o + 1) * per; i++) gw[i] += gy[i] * scales[o] * steSignGradient(w.data[i]);
    }
  });
}

/** Mean absolute value of each of `channels` consecutive blocks of `per` values. */
export function channelMeanAbs(data: Float32Array, channels: number, per: number): Float64Array {
  const scales = new Float64Array(channels);
  for (let o = 0; o < channels; o++) {
    let sum = 0;
    for (let i = o * per; i < (o + 1) * per; i++) sum += Math.abs(data[i]);
    scales[o] = per === 0 ? 0 : sum / per;
  }
  return scales;
}
