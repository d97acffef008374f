/**
 * AdaBound (Luo, Xiong, Liu & Sun, "Adaptive Gradient Methods with Dynamic Bound of Learning
 * Rate", ICLR 2019): Adam whose per-element step size is clamped into [lo(t), hi(t)], bounds
 * that close in on a final SGD-like rate.
 */
import { Optimizer, type StepContext } from "./base.js";
import { clipBound, decayFactor } from "./common.js";
import { OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import type { TensorState } from "./types.js";

/** Options of AdaBound and AMSBound (every one optional): see OPTION_TABLES.adabound in defaults.ts. */
export type AdaBoundOptions = OptimizerOptions<"adabound">;

/** @deprecated Use {@link AdaBoundOptions} (the TensorFlow.js adapter's name). */
export type AdaboundOptions = AdaBoundOptions;

export type AdaboundConfig = OptimizerConfig<"adabound">;

/** The scalars of one AdaBound (or AMSBound) step. */
export interface AdaboundScalars {
  decay: number;
  beta1: number;
  beta2: number;
  /** lr * sqrt(bc2) / bc1: Adam's bias-corrected step size before division by sqrt(v). */
  stepSize: number;
  eps: number;
  /** Bounds on the per-element step size. */
  lower: number;
  upper: number;
}

export function adaboundScalars(o: Readonly<AdaboundConfig>, { t, lr }: StepContext): AdaboundScalars {
  const bc1 = 1 - o.beta1 ** t;
  const bc2 = 1 - o.beta2 ** t;
  // The final rate follows the schedule: f = finalLr * lr / initialLr.
  const f = (o.finalLr * lr) / o.lr;
  return {
    decay: decayFactor(lr, o.weightDecay),
    beta1: o.beta1,
    beta2: o.beta2,
    stepSize: (lr * Math.sqrt(bc2)) / bc1,
    eps: o.eps,
    lower: f * (1 - 1 / (o.gamma * t + 1)),
    upper: f * (1 + 1 / (o.gamma * t)),
  };
}

/**
 * One fused pass of AdaBound or AMSBound: step = clamp(stepSize / (sqrt(vmax) + eps), lower,
 * upper), x <- x - step*m. AMSBound keeps vmax <- max(vmax, v); AdaBound passes null and uses v.
 */
export function boundedUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
  s: AdaboundScalars,
  clip: number,
): void {
  const { decay, beta1, beta2, stepSize, eps, lower, upper } = s;
  const ob1 = 1 - beta1;
  const ob2 = 1 - beta2;
  for (let j = 0; j < x.length; j++) {
    const gj = g[j];
    const xj = Math.fround(x[j] * decay); // decoupled weight decay
    const mj = Math.fround(beta1 * m[j] + ob1 * gj); // first moment
    const vj = Math.fround(beta2 * v[j] + ob2 * gj * gj); // second moment
    m[j] = mj;
    v[j] = vj;
    let vmaxj = vj;
    if (vmax !== null) {
      // running maximum (AMSBound), branch-free (see common.ts)
      const previous = vmax[j];
      const newMax = Number(vj > previous);
      vmaxj = newMax * vj + (1 - newMax) * previous;
      vmax[j] = vmaxj;
    }
    const raw = stepSize / (Math.sqrt(vmaxj) + eps); // Adam's per-element step size
    const step = Math.min(Math.max(raw, lower), upper); // clamp into [lower, upper]
    const xn = Math.fround(xj - step * mj);
    x[j] = Math.min(Math.max(xn, -clip), clip); // clip binary latent weights
  }
}

/** AdaBound's fused pass: {@link boundedUpdate} without a running maximum. */
export function adaboundUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  s: AdaboundScalars,
  clip: number,
): void {
  boundedUpdate(x, g, m, v, null, s, clip);
}

/**
 * AdaBound, or AMSBound with `amsbound` true (the flag of the authors' AdaBound; that optimizer
 * is then named "amsbound"). Create it with `createOptimizer("adabound", options)` or
 * `new AdaBound(options)`.
 */
export class AdaBound extends Optimizer<AdaboundConfig, AdaboundScalars> {
  /** AMSBound: the running maximum of v in the step size. */
  readonly amsbound: boolean;

  constructor(options?: AdaBoundOptions, amsbound = false) {
    super(amsbound ? "amsbound" : "adabound", OPTION_TABLES.adabound, options);
    this.amsbound = amsbound;
  }

  protected stateKeys(): readonly string[] {
    return this.amsbound ? ["m", "v", "vmax"] : ["m", "v"];
  }

  protected scalars(step: StepContext): AdaboundScalars {
    return adaboundScalars(this.options, step);
  }

  updateTensor(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    state: TensorState,
    s: AdaboundScalars,
  ): void {
    boundedUpdate(x, g, state.m, state.v, state.vmax ?? null, s, clipBound(binary, this.options.clip));
  }
}

/** @deprecated Use {@link AdaBound} (the TensorFlow.js adapter's name). */
export const Adabound = AdaBound;
/** @deprecated Use {@link AdaBound}. */
export type Adabound = AdaBound;
