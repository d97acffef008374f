/**
 * Bop for TensorFlow.js (Helwegen et al. 2019), the BNN-specific optimizer: binary variables
 * hold exactly +-1 and flip when an exponential moving average of their gradient is strong
 * enough and agrees in sign with the weight; real variables (biases, batch-norm) use Adam.
 */
import * as tf from "@tensorflow/tfjs";
import { BinaryAwareOptimizer, type BinaryAwareOptions, decayed, moments, signPlus } from "./base.js";
import { BOP_DEFAULTS, BOP_RULES } from "../optim/defaults.js";
import { resolveOptions, tableOf, type OptionTable } from "./options.js";

/** Options of {@link Bop}; defaults and ranges as in the core `createOptimizer("bop")`. */
export interface BopOptions extends BinaryAwareOptions {
  /** Adam step size for real variables (default 1e-3). */
  lr?: number;
  /** Adam first-moment decay for real variables (default 0.9). */
  beta1?: number;
  /** Adam second-moment decay for real variables (default 0.999). */
  beta2?: number;
  /** Adam denominator term for real variables (default 1e-8). */
  eps?: number;
  /** Adaptivity rate of the gradient average of binary variables (default 1e-4). */
  gamma?: number;
  /** A binary weight flips when |m| exceeds this (default 1e-8). */
  threshold?: number;
  /** Decoupled weight decay of real variables (default 0). */
  weightDecay?: number;
}

const OPTIONS: OptionTable = tableOf(BOP_DEFAULTS, BOP_RULES);

/** The Bop optimizer as a `tf.Optimizer`. */
export class Bop extends BinaryAwareOptimizer {
  static className = "Bop";
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly gamma: number;
  readonly threshold: number;

  constructor(options: BopOptions = {}) {
    const o = resolveOptions("Bop", OPTIONS, options, ["isBinary"]);
    super(o.lr as number, o.weightDecay as number, options);
    this.beta1 = o.beta1 as number;
    this.beta2 = o.beta2 as number;
    this.eps = o.eps as number;
    this.gamma = o.gamma as number;
    this.threshold = o.threshold as number;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { lr, beta1, beta2, eps, gamma, threshold, weightDecay } = this;
    return { lr, beta1, beta2, eps, gamma, threshold, weightDecay };
  }

  protected bufferNames(binary: boolean): readonly string[] {
    return binary ? ["m"] : ["m", "v"];
  }

  protected updateVariable(
    variable: tf.Variable,
    grad: tf.Tensor,
    state: Record<string, tf.Variable>,
    binary: boolean,
    t: number,
  ): void {
    if (binary) this.flip(variable, grad, state);
    else this.adam(variable, grad, state, t);
  }

  /**
   * m <- (1-gamma) m + gamma g; x <- -sign(x) where |m| > threshold and sign(m) = sign(x),
   * else sign(x). Since sign(x) = +-1 and threshold >= 0, the flip condition is exactly
   * m*sign(x) > threshold, so x <- sign(x) * sign(threshold - m*sign(x)) with sign(0) = +1
   * (no flip at equality): fewer full-size ops than a select.
   */
  private flip(variable: tf.Variable, grad: tf.Tensor, state: Record<string, tf.Variable>): void {
    const m = tf.add(tf.mul(state.m, 1 - this.gamma), tf.mul(grad, this.gamma));
    const sx = signPlus(variable);
    const keep = signPlus(tf.sub(this.threshold, tf.mul(m, sx)));
    state.m.assign(m);
    variable.assign(tf.mul(sx, keep));
  }

  /** Bias-corrected Adam with decoupled weight decay, no clip. */
  private adam(variable: tf.Variable, grad: tf.Tensor, state: Record<string, tf.Variable>, t: number): void {
    const x = decayed(variable, this.lr, this.weightDecay);
    const { m, v } = moments(state, grad, this.beta1, this.beta2);
    const denom = tf.add(tf.sqrt(tf.div(v, 1 - Math.pow(this.beta2, t))), this.eps);
    const next = tf.sub(x, tf.mul(tf.div(m, denom), this.lr / (1 - Math.pow(this.beta1, t))));
    state.m.assign(m);
    state.v.assign(v);
    variable.assign(next);
  }
}

tf.serialization.registerClass(Bop);
