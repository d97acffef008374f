/**
 * Bop, the binary optimizer (Helwegen, Widdicombe, Geiger, Liu, Cheng & Nusselder, "Latent
 * Weights Do Not Exist: Rethinking Binarized Neural Network Optimization", NeurIPS 2019).
 * Binary tensors hold exactly +-1 (no latent weights); a weight flips when the moving average
 * of its gradient is large and agrees in sign with it. Real tensors are updated by Adam.
 */
import { adamScalars, adamUpdate, type AdamScalars } from "./adam.js";
import { Optimizer, type StepContext } from "./base.js";
import { OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import type { TensorState } from "./types.js";

/**
 * Options of Bop (every one optional): see OPTION_TABLES.bop in defaults.ts. lr, beta1, beta2,
 * eps, weightDecay drive Adam on the real tensors.
 */
export type BopOptions = OptimizerOptions<"bop">;

export type BopConfig = OptimizerConfig<"bop">;

/** The scalars of one Bop step: its own, and Adam's for the real tensors. */
export interface BopScalars {
  gamma: number;
  threshold: number;
  adam: AdamScalars;
}

/** One pass over a binary tensor: m <- (1-gamma)*m + gamma*g, then flip or keep sign(x). */
export function bopUpdate(x: Float32Array, g: Float32Array, m: Float32Array, s: BopScalars): void {
  const { gamma, threshold } = s;
  const keep = 1 - gamma;
  // Signs of random weights are unpredictable, so this loop avoids data-dependent branches
  // (a mispredicted select costs several times the rest of the loop): Number(condition) is 0/1.
  for (let j = 0; j < x.length; j++) {
    const mj = Math.fround(keep * m[j] + gamma * g[j]); // m <- (1-gamma)*m + gamma*g
    m[j] = mj;
    const xPositive = Number(x[j] >= 0); // sign(x) = +1 (sign(0) = +1)
    const mPositive = Number(mj >= 0); // sign(m) = +1
    const flip = Number(Math.abs(mj) > threshold) * Number(xPositive === mPositive); // |m| > tau, same sign
    x[j] = (2 * xPositive - 1) * (1 - 2 * flip); // -sign(x) where flipping, else sign(x)
  }
}

/** Bop. Create it with `createOptimizer("bop", options)` or `new Bop(options)`. */
export class Bop extends Optimizer<BopConfig, BopScalars> {
  constructor(options?: BopOptions) {
    super("bop", OPTION_TABLES.bop, options);
  }

  protected stateKeys(binary: boolean): readonly string[] {
    return binary ? ["m"] : ["m", "v"];
  }

  protected scalars(step: StepContext): BopScalars {
    const o = this.options;
    return { gamma: o.gamma, threshold: o.threshold, adam: adamScalars({ ...o, clip: null }, step) };
  }

  updateTensor(x: Float32Array, g: Float32Array, binary: boolean, state: TensorState, s: BopScalars): void {
    if (binary) bopUpdate(x, g, state.m, s);
    // Real tensors: Adam without clip (natively while the native kernels are in use: same bits).
    else (this.fused?.adamUpdate ?? adamUpdate)(x, g, state.m, state.v, s.adam, Infinity);
  }
}
