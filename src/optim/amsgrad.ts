/**
 * AMSGrad (Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018): Adam with
 * the running maximum vmax of the second moment in the denominator, bias-corrected as in
 * PyTorch's `amsgrad=True`.
 */
import { adamScalars, type AdamConfig, type AdamOptions, type AdamScalars } from "./adam.js";
import { Optimizer, type StepContext } from "./base.js";
import { clipBound } from "./common.js";
import { OPTION_TABLES } from "./defaults.js";
import type { TensorState } from "./types.js";

/** AMSGrad takes Adam's options. */
export type AmsgradOptions = AdamOptions;

/** One fused pass: Adam's lines with vmax <- max(vmax, v) and vmax/bc2 in the denominator. */
export function amsgradUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array,
  s: AdamScalars,
  clip: number,
): void {
  const { decay, beta1, beta2, stepSize, invBc2, eps } = s;
  const ob1 = 1 - beta1;
  const ob2 = 1 - beta2;
  for (let j = 0; j < x.length; j++) {
    const gj = g[j];
    const xj = Math.fround(x[j] * decay); // 1. decoupled weight decay
    const mj = Math.fround(beta1 * m[j] + ob1 * gj); // 2. first moment
    const vj = Math.fround(beta2 * v[j] + ob2 * gj * gj); // 3. second moment
    const newMax = Number(vj > vmax[j]); // branch-free max (see common.ts)
    const vmaxj = newMax * vj + (1 - newMax) * vmax[j]; // 4. running maximum
    m[j] = mj;
    v[j] = vj;
    vmax[j] = vmaxj;
    const xn = Math.fround(xj - (stepSize * mj) / (Math.sqrt(vmaxj * invBc2) + eps)); // 5, 10
    x[j] = Math.min(Math.max(xn, -clip), clip); // 11. clip binary latent weights
  }
}

/** AMSGrad. Create it with `createOptimizer("amsgrad", options)` or `new Amsgrad(options)`. */
export class Amsgrad extends Optimizer<AdamConfig, AdamScalars> {
  constructor(options?: AmsgradOptions) {
    super("amsgrad", OPTION_TABLES.amsgrad, options);
  }

  protected stateKeys(): readonly string[] {
    return ["m", "v", "vmax"];
  }

  protected scalars(step: StepContext): AdamScalars {
    return adamScalars(this.options, step);
  }

  /** The fused update, in the native addon while the native kernels are in use (same bits). */
  updateTensor(x: Float32Array, g: Float32Array, binary: boolean, state: TensorState, s: AdamScalars): void {
    const update = this.fused?.amsgradUpdate ?? amsgradUpdate;
    update(x, g, state.m, state.v, state.vmax, s, clipBound(binary, this.options.clip));
  }
}
