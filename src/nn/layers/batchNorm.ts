/** Batch normalization (Keras BatchNormalization semantics and defaults). */
import { Tensor } from "../../tensor/tensor.js";
import { batchNorm } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { NamedBuffer, ForwardContext, Parameter } from "../types.js";

export interface BatchNormLayerOptions {
  /** Moving-average decay: running = momentum * running + (1 - momentum) * batch. Default 0.99. */
  momentum?: number;
  /** Added to the variance. Default 1e-3 (Keras). */
  epsilon?: number;
  /** Learn a shift beta (default true). */
  center?: boolean;
  /**
   * Learn a scale gamma (default true). larq models often set it false before a sign, whose
   * output does not depend on a positive scale.
   */
  scale?: boolean;
  name?: string;
}

/**
 * Normalizes each channel (axis 1 of [N, C] or [N, C, H, W]) by batch statistics in training
 * and by the moving statistics in evaluation, then scales by gamma and shifts by beta. In a
 * BNN it sits before each sign: it sets the threshold at which activations flip.
 */
export class BatchNorm extends LayerBase {
  readonly kind = "batch_norm";
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private channels: number | null = null;
  private gamma: Tensor | null = null;
  private beta: Tensor | null = null;
  private movingMean: Float32Array | null = null;
  private movingVariance: Float32Array | null = null;

  constructor(options: BatchNormLayerOptions = {}) {
    super(options.name);
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new BamsprodError(`BatchNorm: momentum must be in [0, 1), got ${show(this.momentum)}`);
    }
    if (!(this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new BamsprodError(`BatchNorm: epsilon must be a number > 0, got ${show(this.epsilon)}`);
    }
  }

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 1 && inputShape.length !== 3) {
      this.expectRank(inputShape, 3, "batch-norm takes [features] or [channels, height, width]");
    }
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    const c = inputShape[0];
    this.channels = c;
    if (this.scale) this.gamma = new Tensor(new Float32Array(c).fill(1), [c], true);
    if (this.center) this.beta = Tensor.zeros([c], true);
    this.movingMean = new Float32Array(c);
    this.movingVariance = new Float32Array(c).fill(1);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.requireBuilt();
    const running = { mean: this.movingMean as Float32Array, variance: this.movingVariance as Float32Array };
    return batchNorm(x, this.gamma, this.beta, running, {
      training: ctx.training,
      momentum: this.momentum,
      eps: this.epsilon,
    });
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    const params: Parameter[] = [];
    if (this.gamma !== null) params.push({ name: `${this.name}/gamma`, tensor: this.gamma, binary: false });
    if (this.beta !== null) params.push({ name: `${this.name}/beta`, tensor: this.beta, binary: false });
    return params;
  }

  override buffers(): NamedBuffer[] {
    this.requireBuilt();
    return [
      { name: `${this.name}/moving_mean`, data: this.movingMean as Float32Array },
      { name: `${this.name}/moving_variance`, data: this.movingVariance as Float32Array },
    ];
  }

  config(): Record<string, unknown> {
    return {
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      channels: this.channels,
    };
  }
}
