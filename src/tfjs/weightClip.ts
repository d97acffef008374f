/**
 * Deprecated: the latent-weight clip of binary kernels as a serializable tfjs constraint (larq's
 * `WeightClip`): w -> clip(w, -clipValue, clipValue). The bamsprod optimizers' `clip` option is
 * the one owner of that clip; this class stays so that larq-style and saved layer configs load.
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";

/** Options of {@link WeightClip}. */
export interface WeightClipArgs {
  /** Half-width of the interval (default 1). */
  clipValue?: number;
}

/**
 * Constraint w -> clip(w, -clipValue, clipValue). The bamsprod optimizers apply it after each
 * update to kernels of `QuantDense`/`QuantConv2D` that carry it (tfjs's own optimizers ignore
 * layer constraints during `fit`): a second clip after the optimizer's.
 * @deprecated Use the optimizer's `clip` option (e.g. `new BAMSProd({ clip: 1.5 })`).
 */
export class WeightClip extends tf.serialization.Serializable {
  static className = "WeightClip";
  readonly clipValue: number;

  constructor(args: WeightClipArgs = {}) {
    super();
    const clipValue = args.clipValue ?? 1;
    if (!(typeof clipValue === "number" && clipValue > 0 && Number.isFinite(clipValue))) {
      throw new BamsprodError(`WeightClip: clipValue is ${show(clipValue)}; give a finite number > 0`);
    }
    this.clipValue = clipValue;
  }

  apply(w: tf.Tensor): tf.Tensor {
    return tf.clipByValue(w, -this.clipValue, this.clipValue);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { clipValue: this.clipValue };
  }
}

tf.serialization.registerClass(WeightClip);
