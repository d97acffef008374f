/**
 * Which tfjs variables are binary, and which carry a latent-weight constraint.
 *
 * The optimizers only see gradients keyed by variable name, so the quantized layers record
 * here, when they build, that their kernel is binarized in the forward pass (and which
 * constraint they want on it). Keyed by the `tf.Variable` object in a WeakMap: an entry goes
 * away with its variable, and a model loaded next to its original (whose variables tfjs
 * renames to stay unique) gets entries of its own.
 */
import * as tf from "@tensorflow/tfjs";

/** A projection applied to a variable after each optimizer update (a tfjs-layers constraint). */
export interface VariableConstraint {
  apply(w: tf.Tensor): tf.Tensor;
}

interface VariableInfo {
  binary: boolean;
  constraint: VariableConstraint | null;
}

const registry = new WeakMap<tf.Variable, VariableInfo>();

/**
 * Records whether `variable` is binarized in the forward pass (the optimizers then treat it as
 * binary: clip for the Adam family, sign flips for Bop). The quantized layers call this for
 * their kernels; call it yourself for variables of hand-written models.
 */
export function markBinary(variable: tf.Variable, binary = true): void {
  const info = registry.get(variable) ?? { binary: false, constraint: null };
  registry.set(variable, { ...info, binary });
}

/**
 * Records a constraint that the bamsprod optimizers apply to `variable` after each update.
 * (tfjs's own `model.fit` never applies layer constraints; the bamsprod optimizers do, for
 * the variables registered here.)
 */
export function setVariableConstraint(variable: tf.Variable, constraint: VariableConstraint | null): void {
  const info = registry.get(variable) ?? { binary: false, constraint: null };
  registry.set(variable, { ...info, constraint });
}

/** The default binary predicate: true for variables registered with {@link markBinary}. */
export function isRegisteredBinary(variable: tf.Variable): boolean {
  return registry.get(variable)?.binary ?? false;
}

/** The constraint registered for `variable`, or null. */
export function variableConstraint(variable: tf.Variable): VariableConstraint | null {
  return registry.get(variable)?.constraint ?? null;
}
