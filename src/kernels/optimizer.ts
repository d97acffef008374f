/**
 * The fused optimizer updates a backend may provide: one call updates a whole parameter tensor
 * with the arithmetic of the TypeScript loops in src/optim (double precision, rounded to float32
 * where a value is stored), so a fused step gives the same bits as the TypeScript one. A backend
 * without them (the portable one) leaves the optimizers on their own loops: torch.optim's choice
 * between `_fused_adam` and `_single_tensor_adam`, made once by the backend instead of per call.
 */

/** The scalars of one Adam-family step (src/optim/adam.ts `AdamScalars`). */
export interface StepScalars {
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

/** The fused updates; `clip` is the projection bound (Infinity: none), as in src/optim. */
export interface OptimizerKernels {
  /** Adam's update of one tensor (src/optim/adam.ts `adamUpdate`). */
  adamUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    s: StepScalars,
    clip: number,
  ): void;
  /** AMSGrad's update of one tensor (src/optim/amsgrad.ts `amsgradUpdate`). */
  amsgradUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: StepScalars,
    clip: number,
  ): void;
  /**
   * BAMSProd's read-only pass (src/optim/bamsprodFused.ts): returns how many entries of g are
   * NaN, infinite or beyond +-limit; out <- [sum of the new vmax, sum |x*decay|, sum of
   * ||x*decay| - pivot|] (x null for a real tensor: the last two are 0).
   */
  bamsprodInspect(
    x: Float32Array | null,
    g: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: StepScalars,
    limit: number,
    pivot: number,
    out: Float64Array,
  ): number;
  /** sum ||x*decay| - a|: line 6's deviations when the read-only pass's pivot was not a. */
  bamsprodDeviation(x: Float32Array, s: StepScalars, a: number): number;
  /**
   * BAMSProd's update pass (lines 1-5, 9-11: vmax/bc2 projected into [lower, upper]); returns
   * sum |new x| for a binary tensor, else 0.
   */
  bamsprodApply(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    s: StepScalars,
    lower: number,
    upper: number,
    clip: number,
  ): number;
  /**
   * The gradient check of a step: how many entries of g are NaN, infinite or beyond +-limit
   * (src/optim/params.ts `countBadGradients` with limit GRADIENT_LIMIT). Read-only.
   */
  countBadGradients(g: Float32Array, limit: number): number;
}
