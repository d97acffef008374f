/**
 * AdaBound and AMSBound for TensorFlow.js (Luo et al. 2019): Adam / AMSGrad whose per-element
 * step size is clamped into bounds that converge to a final SGD-like rate. As in the spec, the
 * bounds follow the learning rate (f = finalLr * lr / initialLr), weight decay is decoupled,
 * and binary latent weights are clipped.
 */
import * as tf from "@tensorflow/tfjs";
import { BinaryAwareOptimizer, type TfjsOptions, type VariableUpdate, clipped } from "./base.js";
import { OPTION_TABLES } from "../optim/defaults.js";
import { positive, type OptionSpec } from "../optim/options.js";

/** The core table plus `initialLr`, which only the tfjs form needs (it saves the moved lr). */
const TABLE = Object.freeze({
  ...OPTION_TABLES.adabound,
  initialLr: {
    default: null,
    rule: positive,
    help: "the learning rate the bounds are relative to (default: lr at construction)",
    tensors: "all",
  } as OptionSpec<number | null>,
});

/**
 * Options of {@link AdaBound} and {@link AMSBound}: the core `createOptimizer("adabound")`'s
 * (OPTION_TABLES.adabound), isBinary, and `initialLr`: the learning rate the bounds are relative
 * to (default: `lr` at construction), saved in the config so that a restored optimizer whose `lr`
 * a schedule has moved keeps the same bounds.
 */
export type AdaBoundOptions = TfjsOptions<typeof TABLE>;

/** The shared update; `useMax` selects AMSBound (running maximum of v) over AdaBound. */
abstract class BoundedAdam extends BinaryAwareOptimizer<typeof TABLE> {
  readonly initialLr: number;
  protected abstract readonly useMax: boolean;

  protected constructor(owner: string, options: AdaBoundOptions) {
    super(owner, TABLE, options);
    this.initialLr = this.options.initialLr ?? this.options.lr;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initialLr: this.initialLr };
  }

  protected bufferNames(): readonly string[] {
    return this.useMax ? ["m", "v", "vmax"] : ["m", "v"];
  }

  protected updateVariable(u: VariableUpdate): void {
    const { binary, t } = u;
    const o = this.options;
    const { x, m, second } = this.moments(u);
    const bc1 = 1 - Math.pow(o.beta1, t);
    const bc2 = 1 - Math.pow(o.beta2, t);
    const f = (o.finalLr * this.lr) / this.initialLr;
    const lo = f * (1 - 1 / (o.gamma * t + 1));
    const hi = f * (1 + 1 / (o.gamma * t));
    const raw = tf.div((this.lr * Math.sqrt(bc2)) / bc1, tf.add(tf.sqrt(second), o.eps));
    const step = tf.minimum(tf.maximum(raw, lo), hi);
    u.variable.assign(clipped(tf.sub(x, tf.mul(step, m)), binary, o.clip));
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
