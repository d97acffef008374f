/**
 * AMSBound (Luo et al. 2019, the AMSGrad variant of AdaBound): the step size is computed from
 * the running maximum vmax of the second moment, then clamped as in AdaBound. It is AdaBound
 * with its `amsbound` flag (adabound.ts); this module keeps the names it has always had.
 */
import { AdaBound, boundedUpdate, type AdaBoundOptions } from "./adabound.js";

/** AMSBound takes AdaBound's options. */
export type AMSBoundOptions = AdaBoundOptions;

/** @deprecated Use {@link AMSBoundOptions} (the TensorFlow.js adapter's spelling). */
export type AmsboundOptions = AMSBoundOptions;

/** AMSBound's fused pass: AdaBound's with vmax <- max(vmax, v) in place of v. */
export const amsboundUpdate = boundedUpdate;

/** AMSBound. Create it with `createOptimizer("amsbound", options)` or `new AMSBound(options)`. */
export class AMSBound extends AdaBound {
  constructor(options?: AMSBoundOptions) {
    super(options, true);
  }
}

/** @deprecated Use {@link AMSBound} (the TensorFlow.js adapter's name). */
export const Amsbound = AMSBound;
/** @deprecated Use {@link AMSBound}. */
export type Amsbound = AMSBound;
