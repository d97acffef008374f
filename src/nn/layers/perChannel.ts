/** The plumbing of layers with one learned real value per channel: PReLU, RPReLU, ChannelScale, RSign. */
import type { Tensor } from "../../tensor/tensor.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { Parameter } from "../types.js";
import { channelVector } from "./channelOps.js";

/**
 * A layer whose parameters are vectors of one real value per input channel (axis 1), and whose
 * output has its input's shape. A subclass lists its vectors (name and initial value, in
 * parameter order) and reads them with {@link vectors} once built.
 */
export abstract class PerChannelLayer extends LayerBase {
  private built_: Tensor[] | null = null;

  /** Each vector's parameter name (after the layer's name and "/") and initial value, in order. */
  protected abstract channelVectors(): readonly (readonly [name: string, initial: number])[];

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    this.built_ = this.channelVectors().map(([, initial]) => channelVector(inputShape[0], initial));
  }

  /** The vectors, in the order of {@link channelVectors}; throws unless built. */
  protected vectors(): Tensor[] {
    this.requireBuilt();
    return this.built_ as Tensor[];
  }

  override parameters(): Parameter[] {
    const names = this.channelVectors();
    return this.vectors().map((tensor, i) => ({
      name: `${this.name}/${names[i][0]}`,
      tensor,
      binary: false,
    }));
  }
}
