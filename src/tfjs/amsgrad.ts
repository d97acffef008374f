/**
 * AMSGrad for TensorFlow.js (Reddi et al. 2018): Adam with the running maximum of the second
 * moment in the denominator, bias correction applied to that maximum (PyTorch's amsgrad=True),
 * decoupled weight decay, and the spec's clip of binary latent weights.
 */
import * as tf from "@tensorflow/tfjs";
import { adamStep, type VariableUpdate, type TfjsOptions, clipped, tfjsOptimizer } from "./base.js";
import { OPTION_TABLES } from "../optim/defaults.js";

const TABLE = OPTION_TABLES.amsgrad;

/** Options of {@link AMSGrad}: the core `createOptimizer("amsgrad")`'s (OPTION_TABLES.amsgrad), and isBinary. */
export type AMSGradOptions = TfjsOptions<typeof TABLE>;

/** The AMSGrad optimizer as a `tf.Optimizer`. */
export class AMSGrad extends tfjsOptimizer("AMSGrad", TABLE) {
  protected bufferNames(): readonly string[] {
    return ["m", "v", "vmax"];
  }

  protected updateVariable(u: VariableUpdate): void {
    const { binary, t } = u;
    const o = this.options;
    const { x, m, second } = this.moments(u);
    u.variable.assign(clipped(adamStep(x, m, second, this.lr, o, t), binary, o.clip));
  }
}

tf.serialization.registerClass(AMSGrad);
