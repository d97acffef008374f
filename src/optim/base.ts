/**
 * What every optimizer shares: the step counter, the learning rate, per-tensor state allocated
 * on the first step, the all-or-nothing checks of a step, and the state dict. Each algorithm
 * only supplies its per-step scalars and its per-tensor update (`updateTensor`), a function
 * over plain arrays and numbers that a fused kernel can replace (Adam, AMSGrad and BAMSProd
 * do when the backend in use has fused updates: see `fused` and src/kernels/optimizer.ts).
 */
import { getBackend } from "../kernels/backend.js";
import type { OptimizerKernels } from "../kernels/optimizer.js";
import { BamsprodError, show } from "../util/errors.js";
import { checkLr, positive, resolveOptions, type OptionTable, type OptionValue } from "./options.js";
import { checkParams, describeTensor, firstBadGradient, GRADIENT_LIMIT, gradientError } from "./params.js";
import { RISKY_STEP, stateViolation, worstStep } from "./stepBound.js";
import { firstNonFinite } from "../util/finite.js";
import {
  checkEnvelope,
  decodeTensors,
  encodeTensors,
  refuse,
  STATE_FORMAT,
  STATE_VERSION,
  type OptimizerStateDict,
} from "./statedict.js";
import type { OptimizerName, ParamTensor, TensorSignature, TensorState } from "./types.js";

/** Options every optimizer has: at least a learning rate. */
export type BaseOptions = Record<string, OptionValue> & { lr: number };

/** The numbers one step hands to every `updateTensor` call, derived from t and lr. */
export interface StepContext {
  /** The step being taken, counted from 1. */
  t: number;
  /** The learning rate of this step. */
  lr: number;
}

/**
 * The base of every optimizer. `O` is its resolved options, `S` the scalars one step hands to
 * every `updateTensor` call. Use `createOptimizer(name, options)` or a subclass's constructor.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S = unknown> {
  #options: Readonly<O>;
  #lr: number;
  #t = 0;
  #signatures: readonly TensorSignature[] | null = null;
  #states: TensorState[] | null = null;

  protected constructor(
    /** The name `createOptimizer` knows this optimizer by. */
    readonly name: OptimizerName,
    /** The option table (defaults.ts) whose options `O` resolves. */
    private readonly table: OptionTable,
    options: unknown,
  ) {
    this.#options = Object.freeze(resolveOptions(name, table, options) as O);
    checkLr(name, this.#options.lr, weightDecayOf(this.#options));
    this.#lr = this.#options.lr;
  }

  /** The options in force (defaults filled in); `lr` here is the initial learning rate. */
  get options(): Readonly<O> {
    return this.#options;
  }

  /** The learning rate of the next step; set it between steps to follow a schedule. */
  get lr(): number {
    return this.#lr;
  }

  set lr(value: number) {
    checkLr(this.name, value, weightDecayOf(this.#options));
    this.#lr = value;
  }

  /** Steps taken so far (the t of the spec after the last step). */
  get stepCount(): number {
    return this.#t;
  }

  /**
   * Updates every `value` in place from its `grad` and advances the step counter once.
   * All checks run before anything changes: a refused step (a NaN, infinite or beyond-1e19
   * gradient, a changed list) leaves every parameter and all state as they were.
   */
  step(params: readonly ParamTensor[]): void {
    const t = this.#t + 1;
    const signatures = checkParams(this.name, params, this.#signatures, t);
    const scalars = this.scalars({ t, lr: this.#lr });
    const states = this.#states ?? signatures.map((s) => this.allocate(s));
    // Phase 1, read-only: every gradient is checked before any tensor is touched.
    for (let i = 0; i < params.length; i++) {
      const j = this.inspect(params[i].value, params[i].grad, signatures[i].binary, states[i], scalars, i);
      if (j >= 0) throw gradientError(this.name, params[i], i, j, t);
    }
    // A step whose bound on the change comes near float32's range runs as a transaction.
    const undo = worstStep(this.name, this.#options, this.#lr, t) > RISKY_STEP ? this.#saved(params) : null;
    this.#signatures = signatures;
    this.#states = states;
    this.#t = t;
    // Phase 2: the updates.
    for (let i = 0; i < params.length; i++) {
      this.updateTensor(params[i].value, params[i].grad, signatures[i].binary, states[i], scalars, i);
    }
    if (undo !== null) this.#commitOrUndo(params, undo, t);
  }

  /** Copies of everything a step changes, and a function that puts them back. */
  #saved(params: readonly ParamTensor[]): () => void {
    const values = params.map((p) => p.value.slice());
    const states = this.#states?.map((s) =>
      Object.fromEntries(Object.entries(s).map(([k, a]) => [k, a.slice()])),
    );
    const [signatures, t] = [this.#signatures, this.#t];
    return () => {
      params.forEach((p, i) => p.value.set(values[i]));
      this.#states?.forEach((s, i) => {
        for (const key of Object.keys(s)) s[key].set(states?.[i]?.[key] ?? new Float32Array(s[key].length));
      });
      if (states === undefined) this.#states = null;
      [this.#signatures, this.#t] = [signatures, t];
    };
  }

  /** Undoes the step when any parameter came out NaN or infinite, naming the first. */
  #commitOrUndo(params: readonly ParamTensor[], undo: () => void, t: number): void {
    for (let i = 0; i < params.length; i++) {
      const j = firstNonFinite(params[i].value);
      if (j < 0) continue;
      const value = params[i].value[j];
      undo();
      throw new BamsprodError(
        `${this.name}.step: step ${t} would make ${describeTensor(params[i].name, i)} ${show(value)} at index ${j} ` +
          `(lr ${show(this.#lr)}); nothing was updated (lower the learning rate)`,
      );
    }
  }

  /** The state (options, lr, step, per-tensor arrays) as a JSON-serializable object. */
  stateDict(): OptimizerStateDict {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      optimizer: this.name,
      options: { ...this.#options },
      lr: this.#lr,
      step: this.#t,
      tensors: this.#signatures === null ? null : encodeTensors(this.#signatures, this.#states ?? []),
    };
  }

  /**
   * Restores what `stateDict()` returned, options and lr included; the next step continues
   * exactly where the saved optimizer stopped. Everything is checked first: a refused state
   * (other optimizer, wrong sizes, corrupt data) leaves this optimizer unchanged.
   */
  loadStateDict(s: OptimizerStateDict): void {
    const d = checkEnvelope(this.name, s);
    let options: O;
    try {
      options = resolveOptions(this.name, this.table, d.options) as O;
    } catch (error) {
      refuse(this.name, `bad options in the state: ${(error as Error).message}`);
    }
    if (!positive.test(d.lr)) refuse(this.name, `lr must be ${positive.want}, got ${show(d.lr)}`);
    checkLr(this.name, d.lr, weightDecayOf(options));
    const decoded =
      d.tensors === null
        ? null
        : decodeTensors(
            this.name,
            d.tensors,
            this.#signatures,
            (binary) => this.stateKeys(binary, options),
            (key, a, v) => stateViolation(this.name, options, key, a, v),
          );
    this.#options = Object.freeze(options);
    this.#lr = d.lr;
    this.#t = d.step;
    this.#signatures = decoded?.signatures ?? null;
    this.#states = decoded?.states ?? null;
  }

  /**
   * The fused updates of the backend in use (src/kernels/backend.ts), or null: the TypeScript
   * loops then run, with the same bits.
   */
  protected get fused(): OptimizerKernels | null {
    return getBackend().optimizer;
  }

  /** The names of the state arrays a tensor needs (e.g. ["m", "v"]). */
  protected abstract stateKeys(binary: boolean, options: Readonly<O>): readonly string[];

  /** The scalars of one step (bias corrections, bounds, ...), computed once for all tensors. */
  protected abstract scalars(step: StepContext): S;

  /**
   * The update of one tensor: `x` in place from `g` and `state`, using this step's scalars.
   * The seam for native kernels (override it to replace the TypeScript loops): it touches
   * nothing but its arguments, and does not check `g` (`step` does, before any update).
   * `index` is given only by `step`: the tensor's position in the list, so that an optimizer
   * can use what `inspect` gathered for it in this step; without it the update is complete
   * on its own.
   */
  abstract updateTensor(
    x: Float32Array,
    g: Float32Array,
    binary: boolean,
    state: TensorState,
    scalars: S,
    index?: number,
  ): void;

  /**
   * Phase 1 of a step for tensor `index`: reads, never writes, x, g and the state; returns the
   * index of the first bad gradient entry (NaN, infinite, beyond 1e19) or -1. An optimizer
   * that needs statistics of a whole tensor before updating it can gather them in this pass.
   * The check runs fused when the backend has fused updates (a bad entry is then located
   * in TypeScript, for the error message).
   */
  protected inspect(
    _x: Float32Array,
    g: Float32Array,
    _binary: boolean,
    _state: TensorState,
    _scalars: S,
    _index: number,
  ): number {
    const fused = this.fused;
    if (fused === null || fused.countBadGradients(g, GRADIENT_LIMIT) > 0) return firstBadGradient(g);
    return -1;
  }

  private allocate(signature: TensorSignature): TensorState {
    const state: TensorState = {};
    for (const key of this.stateKeys(signature.binary, this.#options))
      state[key] = new Float32Array(signature.length);
    return state;
  }
}

/** An optimizer's weight decay (0 for one without the option). */
function weightDecayOf(options: Readonly<BaseOptions>): number {
  return typeof options.weightDecay === "number" ? options.weightDecay : 0;
}
