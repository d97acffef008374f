/**
 * AMSGrad for TensorFlow.js (Reddi et al. 2018): Adam with the running maximum of the second
 * moment in the denominator, bias correction applied to that maximum (PyTorch's amsgrad=True),
 * decoupled weight decay, and the spec's clip of binary latent weights.
 */
import * as tf from "@tensorflow/tfjs";
import { BinaryAwareOptimizer, type BinaryAwareOptions, clipped, decayed, moments } from "./base.js";
import { ADAM_DEFAULTS, ADAM_RULES } from "../optim/defaults.js";
import { resolveOptions, tableOf } from "./options.js";

/** Options of {@link AMSGrad}; defaults and ranges as in the core `createOptimizer("amsgrad")`. */
export interface AMSGradOptions extends BinaryAwareOptions {
  /** Step size (default 1e-3). */
  lr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Binary latent weights are projected into [-clip, clip] after each step (default 1; null: off). */
  clip?: number | null;
  /** Decoupled weight decay (default 0). */
  weightDecay?: number;
}

/** The AMSGrad optimizer as a `tf.Optimizer`. */
export class AMSGrad extends BinaryAwareOptimizer {
  static className = "AMSGrad";
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly clip: number | null;

  constructor(options: AMSGradOptions = {}) {
    const o = resolveOptions("AMSGrad", tableOf(ADAM_DEFAULTS, ADAM_RULES), options, ["isBinary"]);
    super(o.lr as number, o.weightDecay as number, options);
    this.beta1 = o.beta1 as number;
    this.beta2 = o.beta2 as number;
    this.eps = o.eps as number;
    this.clip = o.clip;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { lr, beta1, beta2, eps, clip, weightDecay } = this;
    return { lr, beta1, beta2, eps, clip, weightDecay };
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
    const x = decayed(variable, this.lr, this.weightDecay);
    const { m, v } = moments(state, grad, this.beta1, this.beta2);
    const vmax = tf.maximum(state.vmax, v);
    const bc1 = 1 - Math.pow(this.beta1, t);
    const denom = tf.add(tf.sqrt(tf.div(vmax, 1 - Math.pow(this.beta2, t))), this.eps);
    const next = tf.sub(x, tf.mul(tf.div(m, denom), this.lr / bc1));
    state.m.assign(m);
    state.v.assign(v);
    state.vmax.assign(vmax);
    variable.assign(clipped(next, binary, this.clip));
  }
}

tf.serialization.registerClass(AMSGrad);
