/**
 * AMSGrad (Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018): Adam with
 * the running maximum vmax of the second moment in the denominator, bias-corrected as in
 * PyTorch's `amsgrad=True`. It is Adam with its `amsgrad` flag (adam.ts); this module keeps the
 * names it has always had.
 */
import { Adam, adamFamilyUpdate, type AdamOptions } from "./adam.js";

/** AMSGrad takes Adam's options. */
export type AMSGradOptions = AdamOptions;

/** @deprecated Use {@link AMSGradOptions} (the TensorFlow.js adapter's spelling). */
export type AmsgradOptions = AMSGradOptions;

/** AMSGrad's fused pass: Adam's with vmax <- max(vmax, v) and vmax/bc2 in the denominator. */
export const amsgradUpdate = adamFamilyUpdate;

/** AMSGrad. Create it with `createOptimizer("amsgrad", options)` or `new AMSGrad(options)`. */
export class AMSGrad extends Adam {
  constructor(options?: AMSGradOptions) {
    super(options, true);
  }
}

/** @deprecated Use {@link AMSGrad} (the TensorFlow.js adapter's name). */
export const Amsgrad = AMSGrad;
/** @deprecated Use {@link AMSGrad}. */
export type Amsgrad = AMSGrad;
