/**
 * BAMSProd for TensorFlow.js: AMSGrad whose second-moment estimate is projected into bounds
 * that close in on a per-tensor target set by the quantization error. Each numbered comment
 * is the line of the step in docs/algorithm.md.
 */
import * as tf from "@tensorflow/tfjs";
import { type TfjsOptions, type VariableUpdate, clipped, tfjsOptimizer } from "./base.js";
import { OPTION_TABLES } from "../optim/defaults.js";

const TABLE = OPTION_TABLES.bamsprod;

/** Options of {@link BAMSProd}: the core `createOptimizer("bamsprod")`'s (OPTION_TABLES.bamsprod), and isBinary. */
export type BAMSProdOptions = TfjsOptions<typeof TABLE>;

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
export class BAMSProd extends tfjsOptimizer("BAMSProd", TABLE) {
  protected bufferNames(): readonly string[] {
    return ["m", "v", "vmax"];
  }

  protected updateVariable(u: VariableUpdate): void {
    const { binary, t } = u;
    const o = this.options;
    const { x, m, second: vmax } = this.moments(u); // 1-4
    const bc1 = 1 - Math.pow(o.beta1, t); // 5
    const vt = tf.div(vmax, 1 - Math.pow(o.beta2, t));
    const V = projectSecondMoment(vt, this.target(vt, x, binary), o.gamma * t); // 7-9
    const next = tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(V), o.eps)), this.lr / bc1)); // 10
    u.variable.assign(clipped(next, binary, o.clip)); // 11
  }

  /** Line 7: c = mean(vt) * (1 + lam*e)^2, a scalar tensor (e = 0 for real tensors). */
  private target(vt: tf.Tensor, x: tf.Tensor, binary: boolean): tf.Tensor {
    const meanVt = tf.mean(vt);
    const lam = this.options.lam;
    if (!binary || lam === 0) return meanVt;
    return tf.mul(meanVt, tf.square(tf.add(tf.mul(quantizationError(x), lam), 1)));
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
