/** PReLU as a layer: a learned negative slope per channel. */
import { Tensor } from "../../tensor/tensor.js";
import { prelu } from "../../tensor/index.js";
import type { Rng } from "../../util/random.js";
import { LayerBase } from "../layerBase.js";
import type { ForwardContext, Parameter } from "../types.js";

/**
 * y = x for x >= 0, alpha_c * x otherwise, alpha per channel (axis 1). Initial slope 0.25
 * (He et al. 2015). Used in real-valued-shortcut BNNs (Bi-Real Net, ReActNet) after the
 * binary convolution.
 */
export class PReLU extends LayerBase {
  readonly kind = "prelu";
  readonly initialAlpha: number;
  private alpha: Tensor | null = null;

  constructor(options: { initialAlpha?: number; name?: string } = {}) {
    super(options.name);
    this.initialAlpha = options.initialAlpha ?? 0.25;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override onBuild(inputShape: readonly number[], _rng: Rng): void {
    const c = inputShape[0];
    this.alpha = new Tensor(new Float32Array(c).fill(this.initialAlpha), [c], true);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.requireBuilt();
    return prelu(x, this.alpha as Tensor);
  }

  override parameters(): Parameter[] {
    this.requireBuilt();
    return [{ name: `${this.name}/alpha`, tensor: this.alpha as Tensor, binary: false }];
  }

  config(): Record<string, unknown> {
    return { initialAlpha: this.initialAlpha };
  }
}
