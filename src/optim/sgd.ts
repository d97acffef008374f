/**
 * Stochastic gradient descent with optional heavy-ball momentum (Polyak 1964; the form used by
 * PyTorch): m <- momentum*m + g, x <- x - lr*m. With momentum 0 it keeps no state.
 */
import { Optimizer, type StepContext } from "./base.js";
import { clipBound, decayFactor } from "./common.js";
import { OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import type { TensorState } from "./types.js";

/** Options of SGD (every one optional): see OPTION_TABLES.sgd in defaults.ts. */
export type SgdOptions = OptimizerOptions<"sgd">;

export type SgdConfig = OptimizerConfig<"sgd">;

/** The scalars of one SGD step. */
export interface SgdScalars {
  decay: number;
  lr: number;
  momentum: number;
}

/** One fused pass; `m` is null when momentum is 0. */
export function sgdUpdate(
  x: Float32Array,
  g: Float32Array,
  m: Float32Array | null,
  s: SgdScalars,
  clip: number,
): void {
  const { decay, lr, momentum } = s;
  if (m === null) {
    for (let j = 0; j < x.length; j++) {
      const xj = Math.fround(x[j] * decay); // decoupled weight decay
      const xn = Math.fround(xj - lr * g[j]);
      x[j] = Math.min(Math.max(xn, -clip), clip); // clip binary latent weights
    }
    return;
  }
  for (let j = 0; j < x.length; j++) {
    const xj = Math.fround(x[j] * decay); // decoupled weight decay
    const mj = Math.fround(momentum * m[j] + g[j]); // m <- momentum*m + g
    m[j] = mj;
    const xn = Math.fround(xj - lr * mj); // x <- x - lr*m
    x[j] = Math.min(Math.max(xn, -clip), clip); // clip binary latent weights
  }
}

/** SGD. Create it with `createOptimizer("sgd", options)` or `new Sgd(options)`. */
export class Sgd extends Optimizer<SgdConfig, SgdScalars> {
  constructor(options?: SgdOptions) {
    super("sgd", OPTION_TABLES.sgd, options);
  }

  protected stateKeys(_binary: boolean, options: Readonly<SgdConfig>): readonly string[] {
    return options.momentum > 0 ? ["m"] : [];
  }

  protected scalars({ lr }: StepContext): SgdScalars {
    return { decay: decayFactor(lr, this.options.weightDecay), lr, momentum: this.options.momentum };
  }

  updateTensor(x: Float32Array, g: Float32Array, binary: boolean, state: TensorState, s: SgdScalars): void {
    sgdUpdate(x, g, state.m ?? null, s, clipBound(binary, this.options.clip));
  }
}
