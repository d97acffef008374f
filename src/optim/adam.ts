/**
 * Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), bias-corrected,
 * with the project's decoupled weight decay (line 1) and binary-latent clip (line 11).
 */
import type { StepScalars } from "../kernels/optimizer.js";
import { Optimizer, type StepContext } from "./base.js";
import { clipBound, decayFactor } from "./common.js";
import { ADAM_DEFAULTS, OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import type { TensorState } from "./types.js";

/** Options of Adam and AMSGrad (every one optional): see OPTION_TABLES.adam in defaults.ts. */
export type AdamOptions = OptimizerOptions<"adam">;

export type AdamConfig = OptimizerConfig<"adam">;

export { ADAM_DEFAULTS };

/** The scalars of one Adam (or AMSGrad) step: lr / bc1, 1 / bc2, ... (src/kernels/optimizer.ts). */
export type AdamScalars = StepScalars;

export function adamScalars(o: Readonly<AdamConfig>, { t, lr }: StepContext): AdamScalars {
  const bc1 = 1 - o.beta1 ** t;
  const bc2 = 1 - o.beta2 ** t;
  return {
    decay: decayFactor(lr, o.weightDecay),
    beta1: o.beta1,
    beta2: o.beta2,
    stepSize: lr / bc1,
    invBc2: 1 / bc2,
    eps: o.eps,
  };
}

/**
 * One fused pass of Adam or AMSGrad over a tensor: x <- x - lr*(m/bc1)/(sqrt(vmax/bc2) + eps),
 * then the clip. AMSGrad keeps vmax <- max(vmax, v); Adam passes null and divides by v (the
 * test of vmax is the same every element, so it costs next to nothing: see the note in
 * docs/optimizers.md's Speed section).
 * Each stored quantity is rounded to float32 where it is used, exactly as if every line were
 * run on its own over Float32Arrays.
 */
export function adamFamilyUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
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
    m[j] = mj;
    v[j] = vj;
    let vmaxj = vj;
    if (vmax !== null) {
      // 4. running maximum (AMSGrad), branch-free (see common.ts)
      const previous = vmax[j];
      const newMax = Number(vj > previous);
      vmaxj = newMax * vj + (1 - newMax) * previous;
      vmax[j] = vmaxj;
    }
    const xn = Math.fround(xj - (stepSize * mj) / (Math.sqrt(vmaxj * invBc2) + eps)); // 5, 10. bias-corrected step
    x[j] = Math.min(Math.max(xn, -clip), clip); // 11. clip binary latent weights
  }
}

/** Adam's fused pass: {@link adamFamilyUpdate} without a running maximum. */
export function adamUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  s: AdamScalars,
  clip: number,
): void {
  adamFamilyUpdate(x, g, m, v, null, s, clip);
}

/**
 * Adam, or AMSGrad with `amsgrad` true (as torch.optim.Adam's flag; that optimizer is then named
 * "amsgrad"). Create it with `createOptimizer("adam", options)` or `new Adam(options)`.
 */
export class Adam extends Optimizer<AdamConfig, AdamScalars> {
  /** AMSGrad: the running maximum of v in the denominator. */
  readonly amsgrad: boolean;

  constructor(options?: AdamOptions, amsgrad = false) {
    super(amsgrad ? "amsgrad" : "adam", OPTION_TABLES.adam, options);
    this.amsgrad = amsgrad;
  }

  protected stateKeys(): readonly string[] {
    return this.amsgrad ? ["m", "v", "vmax"] : ["m", "v"];
  }

  protected scalars(step: StepContext): AdamScalars {
    return adamScalars(this.options, step);
  }

  /** The fused update, in the native addon while the native kernels are in use (same bits). */
  updateTensor(x: Float32Array, g: Float32Array, binary: boolean, state: TensorState, s: AdamScalars): void {
    const clip = clipBound(binary, this.options.clip);
    const fused = this.fused;
    if (this.amsgrad) (fused?.amsgradUpdate ?? adamFamilyUpdate)(x, g, state.m, state.v, state.vmax, s, clip);
    else (fused?.adamUpdate ?? adamUpdate)(x, g, state.m, state.v, s, clip);
  }
}
