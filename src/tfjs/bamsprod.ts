/**
 * BAMSProd for TensorFlow.js: AMSGrad whose second-moment estimate is projected into bounds
 * that close in on a per-tensor target set by the quantization error. Each numbered comment
 * is the line of the step in spec/bamsprod.md.
 */
import * as tf from "@tensorflow/tfjs";
import { BinaryAwareOptimizer, type BinaryAwareOptions, clipped, decayed, moments } from "./base.js";
import { BAMSPROD_DEFAULTS, BAMSPROD_RULES } from "../optim/defaults.js";
import { resolveOptions, tableOf, type OptionTable } from "./options.js";

/** Options of {@link BAMSProd}; defaults and ranges as in the core `createOptimizer("bamsprod")`. */
export interface BAMSProdOptions extends BinaryAwareOptions {
  /** Step size (default 1e-3). */
  lr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Speed at which the bounds close in on the target (default 1e-3). */
  gamma?: number;
  /** Weight of the quantization error in the target (default 1; 0 ignores it). */
  lam?: number;
  /** Binary latent weights are projected into [-clip, clip] after each step (default 1; null: off). */
  clip?: number | null;
  /** Decoupled weight decay (default 0). */
  weightDecay?: number;
}

const OPTIONS: OptionTable = tableOf(BAMSPROD_DEFAULTS, BAMSPROD_RULES);

/** The largest finite float32: a bound factor above it would overflow to Infinity on the device. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The BAMSProd optimizer as a `tf.Optimizer`: use it in `model.compile({ optimizer })` or
 * call `optimizer.minimize(f)`.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: new BAMSProd({ lr: 1e-3 }), loss: "categoricalCrossentropy" });
 * ```
 */
export class BAMSProd extends BinaryAwareOptimizer {
  static className = "BAMSProd";
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly gamma: number;
  readonly lam: number;
  readonly clip: number | null;

  constructor(options: BAMSProdOptions = {}) {
    const o = resolveOptions("BAMSProd", OPTIONS, options, ["isBinary"]);
    super(o.lr as number, o.weightDecay as number, options);
    this.beta1 = o.beta1 as number;
    this.beta2 = o.beta2 as number;
    this.eps = o.eps as number;
    this.gamma = o.gamma as number;
    this.lam = o.lam as number;
    this.clip = o.clip;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { lr, beta1, beta2, eps, gamma, lam, clip, weightDecay } = this;
    return { lr, beta1, beta2, eps, gamma, lam, clip, weightDecay };
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
    const x = decayed(variable, this.lr, this.weightDecay); // 1
    const { m, v } = moments(state, grad, this.beta1, this.beta2); // 2, 3
    const vmax = tf.maximum(state.vmax, v); // 4
    const bc1 = 1 - Math.pow(this.beta1, t); // 5
    const vt = tf.div(vmax, 1 - Math.pow(this.beta2, t));
    const V = projectSecondMoment(vt, this.target(vt, x, binary), this.gamma * t); // 7-9
    const next = tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(V), this.eps)), this.lr / bc1)); // 10
    state.m.assign(m);
    state.v.assign(v);
    state.vmax.assign(vmax);
    variable.assign(clipped(next, binary, this.clip)); // 11
  }

  /** Line 7: c = mean(vt) * (1 + lam*e)^2, a scalar tensor (e = 0 for real tensors). */
  private target(vt: tf.Tensor, x: tf.Tensor, binary: boolean): tf.Tensor {
    const meanVt = tf.mean(vt);
    if (!binary || this.lam === 0) return meanVt;
    return tf.mul(meanVt, tf.square(tf.add(tf.mul(quantizationError(x), this.lam), 1)));
  }
}

/**
 * Line 6: e = mean(|x - a*sign(x)|) / (a + 1e-12) with a = mean(|x|): 0 when every latent
 * value sits on +-a, larger as values crowd near zero. Computed as mean(||x| - a|), the same
 * number (x - a*sign(x) = sign(x) (|x| - a), also for x = 0 with sign(0) = +1) in fewer
 * full-size ops, which is what costs time on the tfjs CPU backend.
 */
export function quantizationError(x: tf.Tensor): tf.Tensor {
  const magnitude = tf.abs(x);
  const a = tf.mean(magnitude);
  return tf.div(tf.mean(tf.abs(tf.sub(magnitude, a))), tf.add(a, 1e-12));
}

/**
 * Lines 8-9: V = min(max(vt, c_l), c_u) with c_l = c (1 - 1/(gamma t + 1))^2 and
 * c_u = c (1 + 1/(gamma t))^2. An upper factor beyond float32 range means no upper bound
 * yet (and multiplying it by c = 0 would give NaN), so it is skipped.
 */
function projectSecondMoment(vt: tf.Tensor, c: tf.Tensor, gammaT: number): tf.Tensor {
  const raised = tf.maximum(vt, tf.mul(c, Math.pow(1 - 1 / (gammaT + 1), 2)));
  const upperFactor = Math.pow(1 + 1 / gammaT, 2);
  return upperFactor > FLOAT32_MAX ? raised : tf.minimum(raised, tf.mul(c, upperFactor));
}

tf.serialization.registerClass(BAMSProd);
