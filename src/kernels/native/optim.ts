/**
 * Fused native optimizer updates, drop-in replacements for the per-tensor functions of
 * src/optim (`adamUpdate`, `amsgradUpdate`, `Bamsprod.updateTensor`): same arguments, the same
 * per-step scalars, the same arithmetic (double precision, rounded to float32 where stored).
 * Adam and AMSGrad are bit-identical to the TypeScript loops; BAMSProd adds its float64 sums in
 * fixed blocks (deterministic, independent of the thread count), so its bounds can differ from
 * the TypeScript ones in the last bits of a double. Large tensors are split across threads.
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
  adamUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    s: AdamStepScalars,
    clip: number,
  ): void;
  amsgradUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: AdamStepScalars,
    clip: number,
  ): void;
  /** One BAMSProd step on one tensor (state holds m, v, vmax). */
  bamsprodUpdate(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    state: { m: Float32Array; v: Float32Array; vmax: Float32Array },
    s: BamsprodStepScalars,
    clip: number,
  ): BamsprodStepStats;
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
    bamsprodUpdate(x, g, binary, state, s, clip) {
      const r = addon.bamsprodUpdate(
        x,
        g,
        state.m,
        state.v,
        state.vmax,
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
  } satisfies NativeOptimizerSteps);
}
