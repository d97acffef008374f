/**
 * Fused native optimizer updates, drop-in replacements for the per-tensor functions of
 * src/optim (`adamUpdate`, `amsgradUpdate`, BAMSProd's passes): the same per-step scalars and
 * the same arithmetic (double precision, rounded to float32 where stored), so they give the
 * same bits, BAMSProd included: its float64 sums follow the order of src/optim/sums.ts. Large
 * tensors are split across the addon's threads (the order of the sums does not depend on it).
 */
import type { NativeAddon } from "./addon.js";

/** The scalars of one Adam/AMSGrad step (src/optim/adam.ts `AdamScalars`). */
export interface AdamStepScalars {
  /** 1 - lr * weightDecay. */
  decay: number;
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** 1 / (1 - beta2^t). */
  invBc2: number;
  eps: number;
}

/** The scalars of one BAMSProd step (src/optim/bamsprod.ts `BamsprodScalars`). */
export interface BamsprodStepScalars extends AdamStepScalars {
  /** gamma * t. */
  gammaT: number;
  lam: number;
}

/** What a BAMSProd update computed for one tensor (spec lines 6-8). */
export interface BamsprodStepStats {
  quantError: number;
  target: number;
  lower: number;
  upper: number;
}

/** The fused updates; `clip` is the projection bound (Infinity: none), as in src/optim. */
export interface NativeOptimizerSteps {
  readonly adamUpdate: (
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    s: AdamStepScalars,
    clip: number,
  ) => void;
  readonly amsgradUpdate: (
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: AdamStepScalars,
    clip: number,
  ) => void;
  /** One BAMSProd step (spec lines 1-11) on one tensor with state m, v, vmax. */
  readonly bamsprodUpdate: (
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: BamsprodStepScalars,
    clip: number,
  ) => BamsprodStepStats;
  /**
   * The gradient check of a step: how many entries of g are NaN, infinite or beyond +-limit
   * (src/optim/params.ts `countBadGradients` with limit GRADIENT_LIMIT). Read-only.
   */
  readonly countBadGradients: (g: Float32Array, limit: number) => number;
}

/** The fused updates of a loaded addon. */
export function createNativeOptimizerSteps(addon: NativeAddon): NativeOptimizerSteps {
  return Object.freeze({
    adamUpdate(x, g, m, v, s, clip) {
      addon.adamUpdate(x, g, m, v, null, s.decay, s.beta1, s.beta2, s.stepSize, s.invBc2, s.eps, clip);
    },
    amsgradUpdate(x, g, m, v, vmax, s, clip) {
      addon.adamUpdate(x, g, m, v, vmax, s.decay, s.beta1, s.beta2, s.stepSize, s.invBc2, s.eps, clip);
    },
    bamsprodUpdate(x, g, binary, m, v, vmax, s, clip) {
      const r = addon.bamsprodUpdate(
        x,
        g,
        m,
        v,
        vmax,
        binary,
        s.decay,
        s.beta1,
        s.beta2,
        s.stepSize,
        s.invBc2,
        s.eps,
        s.gammaT,
        s.lam,
        clip,
      );
      return { quantError: r[0], target: r[1], lower: r[2], upper: r[3] };
    },
    countBadGradients(g, limit) {
      return addon.countBadGradients(g, limit);
    },
  } satisfies NativeOptimizerSteps);
}
