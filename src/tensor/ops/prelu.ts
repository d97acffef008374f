import { takeBuffer } from "../buffers.js";
import { Tensor } from "../tensor.js";
import { channelLayout, checkChannels, outGrad } from "./grad.js";

/**
 * Parametric ReLU: y = x if x > 0, else alpha[c] * x, for x[N, C, ...] and alpha[C] (one slope
 * per channel) or alpha[1] (one shared slope).
 * Backward: dx += dy * (x > 0 ? 1 : alpha[c]); dalpha[c] += sum of dy * x where x <= 0.
 */
export function prelu(x: Tensor, alpha: Tensor): Tensor {
  const { batch, channels, spatial } = channelLayout("prelu", x);
  const shared = alpha.size === 1;
  if (!shared) checkChannels("prelu", "alpha", alpha.data, channels);
  const xd = x.data;
  const ad = alpha.data;
  const y = takeBuffer(x.size, false);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const a = ad[shared ? 0 : c];
      const o = (n * channels + c) * spatial;
      for (let i = o; i < o + spatial; i++) y[i] = xd[i] > 0 ? xd[i] : a * xd[i];
    }
  }
  return Tensor.fromOp(y, x.shape, [x, alpha], (out) => {
    const dy = outGrad(out);
    const dx = x.requiresGrad ? x.gradBuffer() : null;
    const da = alpha.requiresGrad ? alpha.gradBuffer() : null;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const a = ad[shared ? 0 : c];
        const o = (n * channels + c) * spatial;
        let slopeGrad = 0;
        for (let i = o; i < o + spatial; i++) {
          const positive = xd[i] > 0;
          if (dx !== null) dx[i] += positive ? dy[i] : a * dy[i];
          if (!positive) slopeGrad += dy[i] * xd[i];
        }
        if (da !== null) da[shared ? 0 : c] += slopeGrad;
      }
    }
  });
}
