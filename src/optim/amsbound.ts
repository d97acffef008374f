/**
 * AMSBound (Luo et al. 2019, the AMSGrad variant of AdaBound): the step size is computed from
 * the running maximum vmax of the second moment, then clamped as in AdaBound.
 */
import {
  adaboundScalars,
  type AdaboundConfig,
  type AdaboundOptions,
  type AdaboundScalars,
} from "./adabound.js";
import { Optimizer, type StepContext } from "./base.js";
import { clipBound } from "./common.js";
import { OPTION_TABLES } from "./defaults.js";
import type { TensorState } from "./types.js";

/** AMSBound takes AdaBound's options. */
export type AmsboundOptions = AdaboundOptions;

/** One fused pass: AdaBound's with vmax <- max(vmax, v) in place of v. */
export function amsboundUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array,
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
    const newMax = Number(vj > vmax[j]); // branch-free max (see common.ts)
    const vmaxj = newMax * vj + (1 - newMax) * vmax[j]; // running maximum
    m[j] = mj;
    v[j] = vj;
    vmax[j] = vmaxj;
    const raw = stepSize / (Math.sqrt(vmaxj) + eps);
    const step = Math.min(Math.max(raw, lower), upper); // clamp into [lower, upper]
    const xn = Math.fround(xj - step * mj);
    x[j] = Math.min(Math.max(xn, -clip), clip); // clip binary latent weights
  }
}

/** AMSBound. Create it with `createOptimizer("amsbound", options)` or `new Amsbound(options)`. */
export class Amsbound extends Optimizer<AdaboundConfig, AdaboundScalars> {
  constructor(options?: AmsboundOptions) {
    super("amsbound", OPTION_TABLES.amsbound, options);
  }

  protected stateKeys(): readonly string[] {
    return ["m", "v", "vmax"];
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
    amsboundUpdate(x, g, state.m, state.v, state.vmax, s, clipBound(binary, this.options.clip));
  }
}
