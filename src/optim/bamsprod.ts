/**
 * BAMSProd (Liu, Wen, Wang, Tao, Chen, Osa & Kato, "BAMSProd: A Step towards Generalizing the
 * Adaptive Optimization Methods to Deep Binary Model", arXiv 2009.13799, 2020), as defined by
 * the project's definition (docs/algorithm.md): AMSGrad whose bias-corrected second
 * moment is projected element-wise into [c_l(t), c_u(t)], bounds that close in on a per-tensor
 * target set by the tensor's quantization error. Comments number its lines; bamsprodReference.ts is the step written out line by line.
 *
 * Lines 6-7 need statistics of the whole tensor before any element is updated, so a step reads
 * each tensor first (a read-only pass fused with the gradient check), then updates it. The
 * TypeScript and the native updates split the work differently (bamsprodTypescript.ts,
 * bamsprodFused.ts) and compute the same bits; the statistics are in bamsprodStats.ts.
 */
import { Optimizer, type StepContext } from "./base.js";
import { fusedUpdate, fusedUpdateAlone, type BamsprodTensorStats } from "./bamsprodFused.js";
import { meanAbs, type BamsprodScalars } from "./bamsprodStats.js";
import { typescriptUpdate } from "./bamsprodTypescript.js";
import { clipBound, decayFactor } from "./common.js";
import { OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import { firstBadGradient, GRADIENT_LIMIT } from "./params.js";
import { checkAndSumAbs } from "./sums.js";
import type { TensorState } from "./types.js";

export * from "./bamsprodStats.js";

/** Options of BAMSProd (every one optional): see OPTION_TABLES.bamsprod in defaults.ts. */
export type BamsprodOptions = OptimizerOptions<"bamsprod">;

export type BamsprodConfig = OptimizerConfig<"bamsprod">;

/**
 * BAMSProd. Create it with `createOptimizer("bamsprod", options)` or `new Bamsprod(options)`.
 * When the backend in use has fused updates (the native one), each tensor's update runs there,
 * computing the same bits with vector instructions on every core.
 */
export class Bamsprod extends Optimizer<BamsprodConfig, BamsprodScalars> {
  /** Scratch for one tensor's read-only pass. */
  readonly #sums = new Float64Array(3);
  /**
   * What the read-only pass measured for each tensor in the current step, 3 per tensor: in
   * TypeScript mean(|x|) first; natively the sums of bamsprodFused.ts.
   */
  #inspected = new Float64Array(0);
  /** Natively: what the last tensor's update computed (one object, reused). */
  readonly #stats: BamsprodTensorStats = { quantError: 0, target: 0, lower: 0, upper: 0, nextMeanAbs: 0 };
  /** Natively: each binary tensor's mean(|x|) after the last step, the next step's guess of a (NaN: none). */
  #pivots = new Float64Array(0);

  constructor(options?: BamsprodOptions) {
    super("bamsprod", OPTION_TABLES.bamsprod, options);
  }

  protected stateKeys(): readonly string[] {
    return ["m", "v", "vmax"];
  }

  protected scalars({ t, lr }: StepContext): BamsprodScalars {
    const o = this.options;
    return {
      decay: decayFactor(lr, o.weightDecay),
      beta1: o.beta1,
      beta2: o.beta2,
      stepSize: lr / (1 - o.beta1 ** t), // 5. bc1 = 1 - beta1^t
      invBc2: 1 / (1 - o.beta2 ** t), // 5. bc2 = 1 - beta2^t
      eps: o.eps,
      gammaT: o.gamma * t,
      lam: o.lam,
    };
  }

  /**
   * The update of one tensor, in the native addon while the native kernels are in use (same
   * bits). Within a step (`index` given) it continues from what `inspect` measured; without
   * `index` it is complete on its own.
   */
  updateTensor(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    state: TensorState,
    s: BamsprodScalars,
    index?: number,
  ): void {
    if (x.length === 0) return;
    const clip = clipBound(binary, this.options.clip);
    const native = this.fused;
    if (native === null) {
      const a = !binary ? 0 : index === undefined ? meanAbs(x, s.decay) : this.#inspected[3 * index];
      typescriptUpdate(x, g, binary, state, s, clip, a);
    } else if (index === undefined) {
      fusedUpdateAlone(native, x, g, binary, state, s, clip);
    } else {
      const pivot = this.#pivots[index];
      const stats = fusedUpdate(
        native,
        x,
        g,
        binary,
        state,
        s,
        clip,
        this.#inspected,
        3 * index,
        pivot,
        this.#stats,
      );
      this.#pivots[index] = binary ? stats.nextMeanAbs : NaN;
    }
  }

  /**
   * Phase 1 of a step: the gradient check, fused with the read-only pass that measures what
   * the update needs first (bamsprodTypescript.ts, bamsprodFused.ts).
   */
  protected override inspect(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    state: TensorState,
    s: BamsprodScalars,
    index: number,
  ): number {
    const native = this.fused;
    if (x.length === 0 || (native === null && !binary)) return super.inspect(x, g, binary, state, s, index);
    this.#reserve(index);
    let bad: number;
    if (native === null) {
      bad = checkAndSumAbs(x, g, s.decay, this.#sums);
      this.#inspected[3 * index] = this.#sums[0] / x.length; // mean(|x|)
    } else {
      const pivot = this.#pivots[index];
      bad = native.bamsprodInspect(
        binary ? x : null,
        g,
        state.v,
        state.vmax,
        s,
        GRADIENT_LIMIT,
        pivot,
        this.#sums,
      );
      this.#inspected.set(this.#sums, 3 * index);
    }
    return bad > 0 ? firstBadGradient(g) : -1;
  }

  /** Room for tensor `index` (grows during the first step, or when the list grows). */
  #reserve(index: number): void {
    if (index < this.#pivots.length) return;
    const pivots = new Float64Array(2 * index + 2).fill(NaN);
    pivots.set(this.#pivots);
    this.#pivots = pivots;
    const inspected = new Float64Array(3 * pivots.length);
    inspected.set(this.#inspected);
    this.#inspected = inspected;
  }
}
