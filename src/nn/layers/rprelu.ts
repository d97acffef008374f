/** ReActNet's RPReLU: PReLU between two learned per-channel shifts. */
import type { Tensor } from "../../tensor/tensor.js";
import type { ForwardContext } from "../types.js";
import { rprelu } from "./channelOps.js";
import { SlopeLayer } from "./prelu.js";

/**
 * y = PReLU(x - gamma[c]; alpha[c]) + zeta[c] (Liu et al. 2020, ReActNet): the shifts move the
 * kink and the output per channel (axis 1). Initial gamma = zeta = 0, alpha = 0.25. Each step
 * is one float32 operation: fround(x - gamma), then the PReLU, then fround(. + zeta).
 */
export class RPReLU extends SlopeLayer {
  readonly kind = "rprelu";

  /** gamma (shift_in), alpha and zeta (shift_out). */
  protected channelVectors(): [string, number][] {
    return [
      ["shift_in", 0],
      ["alpha", this.initialAlpha],
      ["shift_out", 0],
    ];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    const [gamma, alpha, zeta] = this.vectors();
    return rprelu(x, gamma, alpha, zeta);
  }

  /** The learned arrays (for export): y = prelu(x - shiftIn; alpha) + shiftOut. */
  arrays(): { shiftIn: Float32Array; alpha: Float32Array; shiftOut: Float32Array } {
    const [gamma, alpha, zeta] = this.vectors();
    return { shiftIn: gamma.data, alpha: alpha.data, shiftOut: zeta.data };
  }
}
