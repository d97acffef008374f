/**
 * Helpers shared by QuantDense and QuantConv2D: resolving and serializing initializers,
 * constraints and activations. (tfjs-layers keeps its own versions of these private.)
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";
import type { VariableConstraint } from "./registry.js";
import { WeightClip } from "./weightClip.js";

/** A tfjs-layers weight initializer. */
export type Initializer = ReturnType<typeof tf.initializers.ones>;

/** An object that tfjs can serialize as `{ className, config }`. */
type SerializableObject = tf.serialization.Serializable;

/** A serialized object, as found in a saved layer config. */
export interface SerializedObject {
  className: string;
  config: tf.serialization.ConfigDict;
}

/**
 * An initializer: an instance, the name of a `tf.initializers` function that needs no
 * arguments (e.g. "glorotUniform", "heNormal", "zeros"), or a serialized initializer.
 */
export type InitializerIdentifier = string | Initializer | SerializedObject;

/**
 * A kernel constraint: an instance of a tfjs constraint or of {@link WeightClip},
 * "weight_clip" (clip at 1), or a serialized constraint.
 */
export type ConstraintIdentifier =
  "weight_clip" | (VariableConstraint & SerializableObject) | SerializedObject;

/** `{ className, config }` of a serializable object, for getConfig(). */
export function serializeObject(value: SerializableObject): tf.serialization.ConfigDict {
  return { className: value.getClassName(), config: value.getConfig() };
}

function isSerialized(value: unknown): value is SerializedObject {
  return (
    typeof value === "object" && value !== null && typeof (value as SerializedObject).className === "string"
  );
}

function deserializeObject(owner: string, what: string, value: SerializedObject): SerializableObject {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value.className];
  if (entry === undefined) {
    throw new BamsprodError(
      `${owner}: unknown ${what} class ${show(value.className)}; import the module that registers it`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, value.config ?? {});
}

/** Resolves an initializer identifier (see {@link InitializerIdentifier}). */
export function resolveInitializer(owner: string, id: InitializerIdentifier): Initializer {
  if (isSerialized(id)) return deserializeObject(owner, "initializer", id) as Initializer;
  if (typeof id !== "string") return id;
  const camel = id.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const make = (tf.initializers as unknown as Record<string, unknown>)[camel];
  if (typeof make !== "function") {
    throw new BamsprodError(`${owner}: unknown initializer ${show(id)}; use a name from tf.initializers`);
  }
  return (make as (args: object) => Initializer)({});
}

/**
 * Resolves a constraint identifier. `kernelClip` (a number), once shorthand for a
 * {@link WeightClip}, is refused as in the core layers: the optimizer's `clip` owns the clip.
 */
export function resolveConstraint(
  owner: string,
  id: ConstraintIdentifier | null | undefined,
  kernelClip: number | null | undefined,
): (VariableConstraint & SerializableObject) | null {
  if (kernelClip != null) {
    throw new BamsprodError(
      `${owner}: kernelClip ${show(kernelClip)} is no longer a layer option: the optimizer's clip keeps ` +
        `binary latent weights in [-clip, clip] (e.g. new BAMSProd({ clip: ${show(kernelClip)} }))`,
    );
  }
  if (id == null) return null;
  // "weightClip": the camelCase spelling tfjs-layers produces when loading a saved config.
  if (id === "weight_clip" || (id as unknown) === "weightClip") return new WeightClip();
  if (typeof id === "string") {
    throw new BamsprodError(
      `${owner}: unknown kernelConstraint ${show(id)}; use "weight_clip" or an instance`,
    );
  }
  if (isSerialized(id) && typeof (id as Partial<VariableConstraint>).apply !== "function") {
    return deserializeObject(owner, "constraint", id) as VariableConstraint & SerializableObject;
  }
  return id as VariableConstraint & SerializableObject;
}

/** The activations the quantized layers accept (larq models usually need none). */
export const activationNames = ["linear", "relu", "sigmoid", "tanh", "softmax"] as const;
export type ActivationName = (typeof activationNames)[number];

/** Checks an activation name (null/undefined: linear). */
export function activationName(owner: string, id: string | null | undefined): ActivationName {
  const name = id ?? "linear";
  if ((activationNames as readonly string[]).includes(name)) return name as ActivationName;
  throw new BamsprodError(
    `${owner}: unknown activation ${show(id)}; use one of ${activationNames.join(", ")}`,
  );
}

/** Applies an activation (softmax over the last axis). */
export function activate(name: ActivationName, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "tanh":
      return tf.tanh(x);
    case "softmax":
      return tf.softmax(x);
  }
}

/** Reads an optional quantizer identifier (null/undefined: none). */
export function optionalString(owner: string, key: string, value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === "string") return value;
  throw new BamsprodError(`${owner}: ${key} is ${show(value)}; give a name or null`);
}
