/**
 * AMSGrad for TensorFlow.js (Reddi et al. 2018): Adam with the running maximum of the second
 * moment in the denominator, bias correction applied to that maximum (PyTorch's amsgrad=True),
 * decoupled weight decay, and the spec's clip of binary latent weights.
 */
import * as tf from "@tensorflow/tfjs";
import { adamMoments, adamStep, BinaryAwareOptimizer, type TfjsOptions, clipped } from "./base.js";
import { OPTION_TABLES } from "../optim/defaults.js";

const TABLE = OPTION_TABLES.amsgrad;

/** Options of {@link AMSGrad}: the core `createOptimizer("amsgrad")`'s (OPTION_TABLES.amsgrad), and isBinary. */
export type AMSGradOptions = TfjsOptions<typeof TABLE>;

/** The AMSGrad optimizer as a `tf.Optimizer`. */
export class AMSGrad extends BinaryAwareOptimizer<typeof TABLE> {
  static className = "AMSGrad";

  constructor(options: AMSGradOptions = {}) {
    super("AMSGrad", TABLE, options);
  }

  protected bufferNames(): readonly string[] {
    return ["m", "v", "vmax"];
  }

  protected updateVariable(
    variable: tf.Variable,
    grad: tf.Tensor,
    state: Record<string, tf.Variable>,
    binary: boolean,
    t: number,
  ): void {
    const o = this.options;
    const { x, m, second } = adamMoments(variable, grad, state, this.lr, this.weightDecay, o);
    variable.assign(clipped(adamStep(x, m, second, this.lr, o, t), binary, o.clip));
  }
}

tf.serialization.registerClass(AMSGrad);
