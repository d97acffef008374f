/** ReActNet's RPReLU: PReLU between two learned per-channel shifts. */
import type { Tensor } from "../../tensor/tensor.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext, Parameter } from "../types.js";
import { channelVector, rprelu } from "./channelOps.js";

/**
 * y = PReLU(x - gamma[c]; alpha[c]) + zeta[c] (Liu et al. 2020, ReActNet): the shifts move the
 * kink and the output per channel (axis 1). Initial gamma = zeta = 0, alpha = 0.25. Each step
 * is one float32 operation: fround(x - gamma), then the PReLU, then fround(. + zeta).
 */
export class RPReLU extends LayerBase {
  readonly kind = "rprelu";
  readonly initialAlpha: number;
  private gamma: Tensor | null = null;
  private alpha: Tensor | null = null;
  private zeta: Tensor | null = null;

  constructor(options: { initialAlpha?: number; name?: string } = {}) {
    super(options.name);
    this.initialAlpha = options.initialAlpha ?? 0.25;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    const c = inputShape[0];
    this.gamma = channelVector(c, 0);
    this.alpha = channelVector(c, this.initialAlpha);
    this.zeta = channelVector(c, 0);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.requireBuilt();
    return rprelu(x, this.gamma as Tensor, this.alpha as Tensor, this.zeta as Tensor);
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    return [
      { name: `${this.name}/shift_in`, tensor: this.gamma as Tensor, binary: false },
      { name: `${this.name}/alpha`, tensor: this.alpha as Tensor, binary: false },
      { name: `${this.name}/shift_out`, tensor: this.zeta as Tensor, binary: false },
    ];
  }

  /** The learned arrays (for export): y = prelu(x - shiftIn; alpha) + shiftOut. */
  arrays(): { shiftIn: Float32Array; alpha: Float32Array; shiftOut: Float32Array } {
    this.requireBuilt();
    const data = (t: Tensor | null): Float32Array => (t as Tensor).data;
    return { shiftIn: data(this.gamma), alpha: data(this.alpha), shiftOut: data(this.zeta) };
  }

  config(): Record<string, unknown> {
    return { initialAlpha: this.initialAlpha };
  }
}
