/**
 * A model's state dictionary: its parameters and buffers by name ("param:quant_dense_1/kernel",
 * "buffer:batch_norm_1/moving_variance"), the one form in which checkpoints, exports and
 * queued jobs save and restore a model. Loading checks everything before copying anything.
 */
import { decodeFloat32, encodeFloat32 } from "../util/base64.js";
import { BamsprodError, show } from "../util/errors.js";
import type { NamedBuffer, Parameter } from "./types.js";

/** Named Float32Arrays: what `Sequential.stateDict()` returns and `loadStateDict()` takes. */
export type ModelStateDict = Record<string, Float32Array>;

/** What a model must offer to have a state dict. */
export interface Stateful {
  parameters(): Parameter[];
  buffers(): NamedBuffer[];
}

/** The model's parameters and buffers by state-dict name (views, not copies). */
export function modelStateDict(model: Stateful): ModelStateDict {
  const out: ModelStateDict = {};
  for (const p of model.parameters()) out[`param:${p.name}`] = p.tensor.data;
  for (const b of model.buffers()) out[`buffer:${b.name}`] = b.data;
  return out;
}

/**
 * Index of the first value that breaks a tensor's invariant, and the invariant; -1 when all hold.
 * Every value must be finite; batch-norm variances must also be >= 0.
 */
export function firstInvalid(name: string, a: Float32Array): { index: number; want: string } {
  const nonNegative = name.endsWith("/moving_variance");
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v) || (nonNegative && v < 0)) {
      return { index: i, want: nonNegative ? "finite and >= 0" : "finite" };
    }
  }
  return { index: -1, want: "" };
}

/**
 * Copies `tensors` into the model. Every tensor of the model must be there with its size and
 * valid values (finite; variances >= 0), and no unknown tensor may be there; anything wrong is
 * one BamsprodError naming the tensor (and index), raised before the model is touched.
 * `source` names where the tensors come from in messages ("checkpoint runs/a/checkpoint.json").
 */
export function loadModelStateDict(model: Stateful, tensors: unknown, source = "state dict"): void {
  if (typeof tensors !== "object" || tensors === null || Array.isArray(tensors)) {
    throw new BamsprodError(
      `${source}: tensors must be an object of named Float32Arrays, got ${show(tensors)}`,
    );
  }
  const given = tensors as Record<string, unknown>;
  const targets = modelStateDict(model);
  for (const [name, target] of Object.entries(targets)) {
    const data = given[name];
    if (!(data instanceof Float32Array) || data.length !== target.length) {
      const what =
        data === undefined
          ? "missing"
          : data instanceof Float32Array
            ? `of size ${data.length}, expected ${target.length}`
            : "not a Float32Array";
      throw new BamsprodError(`${source} does not match the model: tensor ${show(name)} is ${what}`);
    }
    const bad = firstInvalid(name, data);
    if (bad.index >= 0) {
      throw new BamsprodError(
        `${source}: tensor ${show(name)} holds ${show(data[bad.index])} at index ${bad.index}; ` +
          `its values must be ${bad.want}`,
      );
    }
  }
  const unknown = Object.keys(given).find((name) => !(name in targets));
  if (unknown !== undefined) {
    throw new BamsprodError(`${source} does not match the model: it has no tensor ${show(unknown)}`);
  }
  for (const [name, target] of Object.entries(targets)) target.set(given[name] as Float32Array);
}

/** The state dict as JSON: each tensor as lossless base64 of its little-endian float32 bytes. */
export function encodeStateDict(tensors: ModelStateDict): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, data] of Object.entries(tensors)) out[name] = encodeFloat32(data);
  return out;
}

/**
 * Decodes {@link encodeStateDict}'s JSON (values are checked against a model by
 * `loadModelStateDict`); anything else is one BamsprodError starting with `source`.
 */
export function decodeStateDict(value: unknown, source = "state dict"): ModelStateDict {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BamsprodError(`${source}: tensors must be an object of base64 strings, got ${show(value)}`);
  }
  const out: ModelStateDict = {};
  for (const [name, text] of Object.entries(value)) {
    const data = decodeFloat32(text);
    if (data === null)
      throw new BamsprodError(`${source}: tensor ${show(name)} is not base64 of float32 values`);
    out[name] = data;
  }
  return out;
}
