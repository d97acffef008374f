/** Max and average pooling over non-overlapping (or strided) square windows. */
import type { Tensor } from "../../tensor/tensor.js";
import { avgPool2d, maxPool2d } from "../../tensor/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { checkInt, LayerBase } from "../layerBase.js";
import type { ForwardContext } from "../types.js";

export interface PoolOptions {
  /** Window size (square). Default 2. */
  poolSize?: number;
  /** Step between windows. Default: poolSize. */
  strides?: number;
  name?: string;
}

abstract class Pool2D extends LayerBase {
  readonly poolSize: number;
  readonly strides: number;
  /** The pooling op of the subclass (max or mean of each window). */
  protected abstract readonly pool: typeof maxPool2d;

  constructor(options: PoolOptions = {}) {
    super(options.name);
    this.poolSize = checkInt("pooling", "poolSize", options.poolSize ?? 2);
    this.strides = checkInt("pooling", "strides", options.strides ?? this.poolSize);
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.expectRank(inputShape, 3, "its input must be [channels, height, width]");
    const [c, h, w] = inputShape;
    if (h < this.poolSize || w < this.poolSize) {
      throw new BamsprodError(
        `${this.kind} layer ${show(this.name)}: input [${inputShape.join(", ")}] is smaller than the pool size ${this.poolSize}`,
      );
    }
    const out = (n: number): number => Math.floor((n - this.poolSize) / this.strides) + 1;
    return [c, out(h), out(w)];
  }

  config(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides };
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return this.pool(x, { size: this.poolSize, stride: this.strides });
  }
}

/** Maximum of each window. */
export class MaxPool2D extends Pool2D {
  readonly kind = "max_pool2d";
  protected readonly pool = maxPool2d;
}

/** Mean of each window. */
export class AvgPool2D extends Pool2D {
  readonly kind = "avg_pool2d";
  protected readonly pool = avgPool2d;
}
