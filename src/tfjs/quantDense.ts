/**
 * QuantDense: a dense layer whose input and kernel may be binarized (larq's QuantDense).
 */
import * as tf from "@tensorflow/tfjs";
import { positiveInt, QuantLayer, type QuantLayerArgs } from "./quantLayer.js";

/** Options of {@link QuantDense}. */
export interface QuantDenseArgs extends QuantLayerArgs {
  /** Number of output units. */
  units: number;
}

/**
 * y = activation(q_in(x) · q_k(W) + b), with W of shape [inputDim, units] as in `tf.layers.dense`.
 * Inputs of rank > 2 are transformed along their last axis.
 *
 * @example
 * ```ts
 * model.add(new QuantDense({ units: 256, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }));
 * ```
 */
export class QuantDense extends QuantLayer {
  static className = "QuantDense";
  readonly units: number;

  constructor(args: QuantDenseArgs) {
    super("QuantDense", args);
    this.units = positiveInt("QuantDense", "units", args.units);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = positiveInt(this.name, "the input's last dimension", shape[shape.length - 1]);
    this.createWeights([inputDim, this.units], this.units);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.quantizedInput(inputs);
      const w = this.quantizedKernel();
      const flat = x.rank === 2 ? x : tf.reshape(x, [-1, w.shape[0]]);
      const y = tf.matMul(flat, w);
      const out = x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
      return this.finish(out);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, ...this.quantConfig() };
  }
}

tf.serialization.registerClass(QuantDense);
