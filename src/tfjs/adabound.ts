/**
 * AdaBound and AMSBound for TensorFlow.js (Luo et al. 2019): Adam / AMSGrad whose per-element
 * step size is clamped into bounds that converge to a final SGD-like rate. As in the spec, the
 * bounds follow the learning rate (f = finalLr * lr / initialLr), weight decay is decoupled,
 * and binary latent weights are clipped.
 */
import * as tf from "@tensorflow/tfjs";
import { BinaryAwareOptimizer, type BinaryAwareOptions, clipped, decayed, moments } from "./base.js";
import { ADABOUND_DEFAULTS, ADABOUND_RULES } from "../optim/defaults.js";
import { positive, resolveOptions, tableOf, type OptionTable } from "./options.js";

/** Options of {@link AdaBound} and {@link AMSBound}; defaults and ranges as in the core optimizers. */
export interface AdaBoundOptions extends BinaryAwareOptions {
  /** Step size (default 1e-3). */
  lr?: number;
  /**
   * The learning rate the bounds are relative to (default: `lr` at construction). Saved in the
   * config so that a restored optimizer whose `lr` a schedule has moved keeps the same bounds.
   */
  initialLr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** The SGD step size the bounds converge to, for lr = initialLr (default 0.1). */
  finalLr?: number;
  /** Speed at which the bounds converge (default 1e-3). */
  gamma?: number;
  /** Binary latent weights are projected into [-clip, clip] after each step (default 1; null: off). */
  clip?: number | null;
  /** Decoupled weight decay (default 0). */
  weightDecay?: number;
}

const OPTIONS: OptionTable = tableOf(ADABOUND_DEFAULTS, ADABOUND_RULES);

/** The shared update; `useMax` selects AMSBound (running maximum of v) over AdaBound. */
abstract class BoundedAdam extends BinaryAwareOptimizer {
  readonly initialLr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly finalLr: number;
  readonly gamma: number;
  readonly clip: number | null;
  protected abstract readonly useMax: boolean;

  protected constructor(owner: string, options: AdaBoundOptions) {
    const table = { ...OPTIONS, initialLr: { fallback: null, rule: positive } };
    const o = resolveOptions(owner, table, options, ["isBinary"]);
    super(o.lr as number, o.weightDecay as number, options);
    this.initialLr = o.initialLr ?? (o.lr as number);
    this.beta1 = o.beta1 as number;
    this.beta2 = o.beta2 as number;
    this.eps = o.eps as number;
    this.finalLr = o.finalLr as number;
    this.gamma = o.gamma as number;
    this.clip = o.clip;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { lr, initialLr, beta1, beta2, eps, finalLr, gamma, clip, weightDecay } = this;
    return { lr, initialLr, beta1, beta2, eps, finalLr, gamma, clip, weightDecay };
  }

  protected bufferNames(): readonly string[] {
    return this.useMax ? ["m", "v", "vmax"] : ["m", "v"];
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
    const second = this.useMax ? tf.maximum(state.vmax, v) : v;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    const f = (this.finalLr * this.lr) / this.initialLr;
    const lo = f * (1 - 1 / (this.gamma * t + 1));
    const hi = f * (1 + 1 / (this.gamma * t));
    const raw = tf.div((this.lr * Math.sqrt(bc2)) / bc1, tf.add(tf.sqrt(second), this.eps));
    const step = tf.minimum(tf.maximum(raw, lo), hi);
    const next = tf.sub(x, tf.mul(step, m));
    state.m.assign(m);
    state.v.assign(v);
    if (this.useMax) state.vmax.assign(second);
    variable.assign(clipped(next, binary, this.clip));
  }
}

/** The AdaBound optimizer as a `tf.Optimizer`. */
export class AdaBound extends BoundedAdam {
  static className = "AdaBound";
  protected readonly useMax = false;

  constructor(options: AdaBoundOptions = {}) {
    super("AdaBound", options);
  }
}

/** The AMSBound optimizer (AdaBound on the running maximum of v) as a `tf.Optimizer`. */
export class AMSBound extends BoundedAdam {
  static className = "AMSBound";
  protected readonly useMax = true;

  constructor(options: AdaBoundOptions = {}) {
    super("AMSBound", options);
  }
}

tf.serialization.registerClass(AdaBound);
tf.serialization.registerClass(AMSBound);
