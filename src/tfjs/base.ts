/**
 * The common part of the bamsprod tfjs optimizers: per-variable state buffers, the binary
 * predicate, the step counter, and saving/restoring state through getWeights/setWeights.
 * Subclasses only write the update of one variable, in tfjs ops (so it runs on any backend).
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";
import type { ConfigOf, OptionsOf, OptionTable } from "../optim/options.js";
import { checkLr, resolveOptions } from "./options.js";
import { isRegisteredBinary, variableConstraint } from "./registry.js";

/** A named tensor as tf.Optimizer's getWeights/setWeights use it. */
export type NamedTensor = Parameters<tf.Optimizer["setWeights"]>[0][number];

/** Decides whether a variable is binarized in the forward pass. */
export type BinaryPredicate = (variable: tf.Variable) => boolean;

/** The state buffers of one model variable, e.g. `{ m, v, vmax }`, in creation order. */
interface Slot {
  name: string;
  buffers: Map<string, tf.Variable>;
}

/** One variable's update: its value, gradient and state buffers, whether it is binary, and the step t (from 1). */
export interface VariableUpdate {
  variable: tf.Variable;
  grad: tf.Tensor;
  state: Record<string, tf.Variable>;
  binary: boolean;
  t: number;
}

/** Options every bamsprod tfjs optimizer accepts besides its numeric ones. */
export interface BinaryAwareOptions {
  /**
   * Which variables are binary. Default: the kernels of `QuantDense`/`QuantConv2D` layers with
   * a kernel quantizer, and variables passed to `markBinary`. Not serialized: an optimizer
   * restored from a saved model uses the default.
   */
  isBinary?: BinaryPredicate;
}

/** The options of a tfjs optimizer whose core table is `T`: the core's, and isBinary. */
export type TfjsOptions<T extends OptionTable> = OptionsOf<T> & BinaryAwareOptions;

/**
 * Base class of BAMSProd, AMSGrad, AdaBound, AMSBound and Bop for TensorFlow.js.
 *
 * State is kept per variable name and saved by `getWeights()` as `iter` followed by
 * `<variable>/<buffer>` tensors. Because tfjs renames the variables of a model loaded next to
 * its original (`dense/kernel` becomes `dense/kernel_1`), restored state is bound to the
 * variables at the next update: by name when every name matches, otherwise by position (the
 * order in which the variables were first updated, which `model.fit` keeps stable).
 */
export abstract class BinaryAwareOptimizer<T extends OptionTable = OptionTable> extends tf.Optimizer {
  protected readonly isBinary: BinaryPredicate;
  /**
   * The options in force (defaults filled in), checked against the core optimizer's table
   * (src/optim/defaults.ts); `lr` here is the initial learning rate, as in the core.
   */
  readonly options: Readonly<ConfigOf<T>>;
  /** Decoupled weight decay: x <- x * (1 - lr * weightDecay) before each update. */
  readonly weightDecay: number;
  #lr: number;
  private slots: Slot[] = [];
  private byName = new Map<string, Slot>();
  private awaitingBind = false;

  protected constructor(owner: string, table: T, options: BinaryAwareOptions) {
    super();
    const resolved = resolveOptions(owner, table, options);
    const predicate = options.isBinary ?? isRegisteredBinary;
    if (typeof predicate !== "function") {
      throw new BamsprodError(
        `optimizer: isBinary is ${show(predicate)}; give a function (variable: tf.Variable) => boolean`,
      );
    }
    this.isBinary = predicate;
    this.options = Object.freeze(resolved);
    this.weightDecay = (resolved.weightDecay as number | undefined) ?? 0;
    this.#lr = resolved.lr as number;
    // Deprecated, for JavaScript callers: each option as a field of its own (opt.beta1, ...),
    // as before `options` (TypeScript sees only `options`).
    for (const [key, value] of Object.entries(resolved)) {
      if (!(key in this)) Object.defineProperty(this, key, { value, enumerable: true, configurable: true });
    }
  }

  /** The options with the current learning rate: what `fromConfig` needs to rebuild this optimizer. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.options, lr: this.lr };
  }

  /** Step size of the next update; set it between steps to follow a schedule. */
  get lr(): number {
    return this.#lr;
  }

  set lr(value: number) {
    checkLr(this.getClassName(), value, this.weightDecay);
    this.#lr = value;
  }

  /**
   * Builds an optimizer from its config. tfjs-layers adds a `customObjects` entry to the
   * config when it loads a saved model; it is not an option, so it is dropped here.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { customObjects: _customObjects, ...options } = config;
    return new cls(options);
  }

  /** Names of the state buffers a variable needs, e.g. ["m", "v", "vmax"]. */
  protected abstract bufferNames(binary: boolean): readonly string[];

  /** Computes and assigns the new value of `u.variable` and of its buffers (called inside tidy). */
  protected abstract updateVariable(u: VariableUpdate): void;

  /** Lines 1-4 of the Adam family for `u` (decay, m, v, and vmax when the variable has one). */
  protected moments(u: VariableUpdate): { x: tf.Tensor; m: tf.Tensor; second: tf.Tensor } {
    const o = this.options as unknown as AdamFamilyOptions;
    return adamMoments(u.variable, u.grad, u.state, this.lr, this.weightDecay, o);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const present = pairs.filter(([, grad]) => grad != null);
    if (this.awaitingBind) this.bindRestored(present);
    // Every name is resolved before anything changes, so a bad one leaves all values as they were.
    const targets = present.map(([name, grad]) => ({ name, grad, variable: lookupVariable(name) }));
    const t = this.iterations + 1;
    tf.tidy(() => {
      for (const { name, grad, variable } of targets) {
        const binary = this.isBinary(variable);
        this.updateVariable({ variable, grad, state: this.stateFor(name, variable, binary), binary, t });
        const constraint = variableConstraint(variable);
        if (constraint !== null) variable.assign(constraint.apply(variable));
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    this.clearState();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights = [await this.saveIterations()];
    for (const slot of this.slots) {
      for (const [key, buffer] of slot.buffers) weights.push({ name: `${slot.name}/${key}`, tensor: buffer });
    }
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.clearState();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf("/");
      if (cut <= 0) {
        throw new BamsprodError(
          `${this.getClassName()}.setWeights: weight name ${show(name)} is not "<variable>/<buffer>"; ` +
            `pass the list returned by getWeights()`,
        );
      }
      const slotName = name.slice(0, cut);
      let slot = this.byName.get(slotName);
      if (slot === undefined) {
        slot = { name: slotName, buffers: new Map() };
        this.slots.push(slot);
        this.byName.set(slotName, slot);
      }
      // A copy: the caller (e.g. tf.loadLayersModel) disposes the tensors it passed in.
      slot.buffers.set(name.slice(cut + 1), tf.variable(tensor, false));
    }
    this.awaitingBind = this.slots.length > 0;
  }

  private clearState(): void {
    for (const slot of this.slots) tf.dispose([...slot.buffers.values()]);
    this.slots = [];
    this.byName.clear();
  }

  /** The buffers of variable `name`, created as zeros on its first update. */
  private stateFor(name: string, variable: tf.Variable, binary: boolean): Record<string, tf.Variable> {
    let slot = this.byName.get(name);
    if (slot === undefined) {
      slot = { name, buffers: new Map() };
      this.slots.push(slot);
      this.byName.set(name, slot);
    }
    const state: Record<string, tf.Variable> = {};
    for (const key of this.bufferNames(binary)) {
      let buffer = slot.buffers.get(key);
      if (buffer === undefined) {
        buffer = tf.variable(tf.zerosLike(variable), false);
        slot.buffers.set(key, buffer);
      }
      state[key] = buffer;
    }
    return state;
  }

  /** Matches state restored by setWeights to the variables of this first update after it. */
  private bindRestored(present: [string, tf.Tensor][]): void {
    this.awaitingBind = false;
    if (present.every(([name]) => this.byName.has(name))) return;
    const fits =
      present.length === this.slots.length &&
      present.every(([, grad], i) =>
        [...this.slots[i].buffers.values()].every((b) => tf.util.arraysEqual(b.shape, grad.shape)),
      );
    if (!fits) {
      throw new BamsprodError(
        `${this.getClassName()}: the restored optimizer state (${this.slots.length} variables: ` +
          `${this.slots.map((s) => s.name).join(", ")}) does not match the ${present.length} variables ` +
          `being updated (${present.map(([n]) => n).join(", ")}); restore state saved from the same model`,
      );
    }
    this.byName.clear();
    present.forEach(([name], i) => {
      this.slots[i].name = name;
      this.byName.set(name, this.slots[i]);
    });
  }
}

function lookupVariable(name: string): tf.Variable {
  const variable = tf.engine().registeredVariables[name];
  if (variable === undefined) {
    throw new BamsprodError(
      `optimizer: got a gradient for ${show(name)}, which is not a tf.Variable; ` +
        `pass gradients keyed by variable name (as optimizer.minimize and model.fit do)`,
    );
  }
  return variable;
}

/**
 * sign with sign(0) = +1, as everywhere in bamsprod (tf.sign(0) is 0): sign(sign(x) + 0.5)
 * maps -1, 0, 1 to -1, 1, 1.
 */
export function signPlus(x: tf.Tensor): tf.Tensor {
  return tf.sign(tf.add(tf.sign(x), 0.5));
}

/**
 * Decoupled weight decay (spec line 1): x * (1 - lr * weightDecay), computed as
 * x - x * (lr * weightDecay) because the factor itself, rounded to float32 on the device
 * (e.g. 0.9998), would carry a relative error that compounds step after step.
 */
export function decayed(x: tf.Tensor, lr: number, weightDecay: number): tf.Tensor {
  return weightDecay > 0 ? tf.sub(x, tf.mul(x, lr * weightDecay)) : x;
}

/** Projection of binary latent weights into [-clip, clip] (spec line 11); clip null: none. */
export function clipped(x: tf.Tensor, binary: boolean, clip: number | null): tf.Tensor {
  return binary && clip !== null ? tf.clipByValue(x, -clip, clip) : x;
}

/** The step numbers of the Adam family that the options give. */
interface AdamFamilyOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * The shared start of the Adam family's update of one variable: the decayed x (line 1), the
 * moments m and v (lines 2-3) and, when the state keeps one, the running maximum vmax (line 4),
 * each assigned to the state. `second` is what the step divides by: vmax if kept, else v.
 */
export function adamMoments(
  variable: tf.Variable,
  grad: tf.Tensor,
  state: Record<string, tf.Variable>,
  lr: number,
  weightDecay: number,
  o: AdamFamilyOptions,
): { x: tf.Tensor; m: tf.Tensor; second: tf.Tensor } {
  const x = decayed(variable, lr, weightDecay);
  const m = tf.add(tf.mul(state.m, o.beta1), tf.mul(grad, 1 - o.beta1));
  const v = tf.add(tf.mul(state.v, o.beta2), tf.mul(tf.square(grad), 1 - o.beta2));
  state.m.assign(m);
  state.v.assign(v);
  if (state.vmax === undefined) return { x, m, second: v };
  const vmax = tf.maximum(state.vmax, v);
  state.vmax.assign(vmax);
  return { x, m, second: vmax };
}

/** Adam's bias-corrected step (line 10 with V = second/bc2): x - (lr/bc1) * m / (sqrt(second/bc2) + eps). */
export function adamStep(
  x: tf.Tensor,
  m: tf.Tensor,
  second: tf.Tensor,
  lr: number,
  o: AdamFamilyOptions,
  t: number,
): tf.Tensor {
  const denom = tf.add(tf.sqrt(tf.div(second, 1 - Math.pow(o.beta2, t))), o.eps);
  return tf.sub(x, tf.mul(tf.div(m, denom), lr / (1 - Math.pow(o.beta1, t))));
}

/**
 * The base of the tf.Optimizer class named `className` whose options are the core optimizer's
 * (option table `table`) and isBinary: its static className and its constructor, so that each
 * optimizer class states only its buffers and its update.
 */
export function tfjsOptimizer<T extends OptionTable>(
  className: string,
  table: T,
): (abstract new (options?: TfjsOptions<T>) => BinaryAwareOptimizer<T>) &
  Pick<typeof tf.Optimizer, "fromConfig"> & { className: string } {
  abstract class Named extends BinaryAwareOptimizer<T> {
    static className = className;

    constructor(options: TfjsOptions<T> = {}) {
      super(className, table, options);
    }
  }
  return Named;
}
