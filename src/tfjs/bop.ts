/**
 * Bop for TensorFlow.js (Helwegen et al. 2019), the BNN-specific optimizer: binary variables
 * hold exactly +-1 and flip when an exponential moving average of their gradient is strong
 * enough and agrees in sign with the weight; real variables (biases, batch-norm) use Adam.
 */
import * as tf from "@tensorflow/tfjs";
import { adamStep, type VariableUpdate, type TfjsOptions, signPlus, tfjsOptimizer } from "./base.js";
import { OPTION_TABLES } from "../optim/defaults.js";

const TABLE = OPTION_TABLES.bop;

/**
 * Options of {@link Bop}: the core `createOptimizer("bop")`'s (OPTION_TABLES.bop; lr, beta1,
 * beta2, eps and weightDecay drive Adam on the real variables), and isBinary.
 */
export type BopOptions = TfjsOptions<typeof TABLE>;

/** The Bop optimizer as a `tf.Optimizer`. */
export class Bop extends tfjsOptimizer("Bop", TABLE) {
  protected bufferNames(binary: boolean): readonly string[] {
    return binary ? ["m"] : ["m", "v"];
  }

  protected updateVariable(u: VariableUpdate): void {
    if (u.binary) this.flip(u);
    else this.adam(u);
  }

  /**
   * m <- (1-gamma) m + gamma g; x <- -sign(x) where |m| > threshold and sign(m) = sign(x),
   * else sign(x). Since sign(x) = +-1 and threshold >= 0, the flip condition is exactly
   * m*sign(x) > threshold, so x <- sign(x) * sign(threshold - m*sign(x)) with sign(0) = +1
   * (no flip at equality): fewer full-size ops than a select.
   */
  private flip({ variable, grad, state }: VariableUpdate): void {
    const { gamma, threshold } = this.options;
    const m = tf.add(tf.mul(state.m, 1 - gamma), tf.mul(grad, gamma));
    const sx = signPlus(variable);
    const keep = signPlus(tf.sub(threshold, tf.mul(m, sx)));
    state.m.assign(m);
    variable.assign(tf.mul(sx, keep));
  }

  /** Bias-corrected Adam with decoupled weight decay, no clip. */
  private adam(u: VariableUpdate): void {
    const { x, m, second } = this.moments(u);
    u.variable.assign(adamStep(x, m, second, this.lr, this.options, u.t));
  }
}

tf.serialization.registerClass(Bop);
