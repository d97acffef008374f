/**
 * Fused native optimizer updates, drop-in replacements for the per-tensor functions of
 * src/optim (`adamUpdate`, `amsgradUpdate`, BAMSProd's passes): the same per-step scalars and
 * the same arithmetic (double precision, rounded to float32 where stored), so they give the
 * same bits, BAMSProd included: its float64 sums follow the order of src/optim/sums.ts. Large
 * tensors are split across the addon's threads (the order of the sums does not depend on it).
 */
import type { NativeAddon, StepScalars } from "./addon.js";

/** The scalars of one Adam/AMSGrad step (src/optim/adam.ts `AdamScalars`). */
export type AdamStepScalars = StepScalars;

/** BAMSProd's passes over one tensor (src/optim/bamsprodNative.ts `BamsprodPasses`). */
export interface NativeBamsprodPasses {
  inspect(
    x: Float32Array | null,
    g: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: AdamStepScalars,
    limit: number,
    pivot: number,
    out: Float64Array,
  ): number;
  deviation(x: Float32Array, s: AdamStepScalars, a: number): number;
  apply(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: AdamStepScalars,
    lower: number,
    upper: number,
    clip: number,
  ): number;
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
  /** BAMSProd's passes (lines 5-8 between them stay in TypeScript). */
  readonly bamsprod: NativeBamsprodPasses;
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
      addon.adamUpdate(x, g, m, v, null, s, clip);
    },
    amsgradUpdate(x, g, m, v, vmax, s, clip) {
      addon.adamUpdate(x, g, m, v, vmax, s, clip);
    },
    bamsprod: Object.freeze({
      inspect(x, g, v, vmax, s, limit, pivot, out) {
        return addon.bamsprodInspect(x, g, v, vmax, s, limit, pivot, out);
      },
      deviation(x, s, a) {
        return addon.bamsprodDeviation(x, s, a);
      },
      apply(x, g, binary, m, v, vmax, s, lower, upper, clip) {
        return addon.bamsprodApply(x, g, m, v, vmax, binary, s, lower, upper, clip);
      },
    } satisfies NativeBamsprodPasses),
    countBadGradients(g, limit) {
      return addon.countBadGradients(g, limit);
    },
  } satisfies NativeOptimizerSteps);
}
