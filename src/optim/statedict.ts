/**
 * The JSON form of an optimizer's state (`stateDict()` / `loadStateDict()`), and its checks.
 * Float32Array state is stored as base64 of its little-endian bytes: lossless (every bit,
 * including -0 and NaN payloads), so save, load and continue is bit-identical to not stopping.
 */
import { decodeFloat32, encodeFloat32 } from "../util/base64.js";
import { BamsprodError, show } from "../util/errors.js";
import { describeTensor } from "./params.js";
import type { OptimizerName, TensorSignature, TensorState } from "./types.js";

export const STATE_FORMAT = "bamsprod.optimizer-state";
export const STATE_VERSION = 1;

/** One tensor's state in a state dict: its signature and its arrays in base64. */
export interface TensorStateRecord {
  name: string | null;
  length: number;
  binary: boolean;
  state: Record<string, string>;
}

/** What `stateDict()` returns: plain JSON (no typed arrays, no Infinity, no NaN). */
export interface OptimizerStateDict {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  optimizer: OptimizerName;
  /** The options the optimizer was created with (`lr` is the initial learning rate). */
  options: Record<string, number | null>;
  /** The current learning rate (a schedule may have moved it). */
  lr: number;
  /** Steps taken so far. */
  step: number;
  /** Per-tensor state, in parameter order; null before the first step. */
  tensors: TensorStateRecord[] | null;
}

export { encodeFloat32, decodeFloat32 };

/** The state of every tensor as JSON records. */
export function encodeTensors(
  signatures: readonly TensorSignature[],
  states: readonly TensorState[],
): TensorStateRecord[] {
  return signatures.map((sig, i) => ({
    name: sig.name,
    length: sig.length,
    binary: sig.binary,
    state: Object.fromEntries(Object.entries(states[i]).map(([key, a]) => [key, encodeFloat32(a)])),
  }));
}

/** The first value of a state array that breaks its invariant (`v`: the tensor's v, if any), or null. */
export type StateCheck = (
  key: string,
  a: Float32Array,
  v: Float32Array | undefined,
) => { index: number; want: string } | null;

/** Throws a BamsprodError about a state dict being loaded into `optimizer`. */
export function refuse(optimizer: string, problem: string): never {
  throw new BamsprodError(`${optimizer}.loadStateDict: ${problem}`);
}

/** Checks the envelope of a state dict (format, version, optimizer name, lr, step). */
export function checkEnvelope(optimizer: OptimizerName, s: unknown): OptimizerStateDict {
  if (typeof s !== "object" || s === null || Array.isArray(s)) {
    refuse(optimizer, `expected the object returned by stateDict(), got ${show(s)}`);
  }
  const d = s as Partial<OptimizerStateDict>;
  if (d.format !== STATE_FORMAT || d.version !== STATE_VERSION) {
    refuse(
      optimizer,
      `not an optimizer state (format ${show(d.format)} version ${show(d.version)}; expected ` +
        `${show(STATE_FORMAT)} version ${STATE_VERSION})`,
    );
  }
  if (d.optimizer !== optimizer) {
    refuse(
      optimizer,
      `the state is from optimizer ${show(d.optimizer)}, not ${show(optimizer)}; ` +
        `load it into createOptimizer(${show(d.optimizer)})`,
    );
  }
  if (!Number.isSafeInteger(d.step) || (d.step as number) < 0) {
    refuse(optimizer, `step must be a whole number >= 0, got ${show(d.step)}`);
  }
  if (typeof d.options !== "object" || d.options === null || Array.isArray(d.options)) {
    refuse(optimizer, `options must be an object, got ${show(d.options)}`);
  }
  if (d.step === 0 ? d.tensors !== null : !Array.isArray(d.tensors)) {
    refuse(
      optimizer,
      `tensors must be ${d.step === 0 ? "null at step 0" : "an array after the first step"}, got ${show(d.tensors)}`,
    );
  }
  return d as OptimizerStateDict;
}

/**
 * Decodes the tensor records, checking each against `current` (the parameter list this
 * optimizer has already seen, if any) and the state arrays `keysFor(binary)` it must hold.
 */
export function decodeTensors(
  optimizer: string,
  records: readonly unknown[],
  current: readonly TensorSignature[] | null,
  keysFor: (binary: boolean) => readonly string[],
  violation: StateCheck,
): { signatures: TensorSignature[]; states: TensorState[] } {
  if (records.length === 0)
    refuse(optimizer, "tensors is empty; a state after a step has at least one tensor");
  if (current !== null && current.length !== records.length) {
    refuse(
      optimizer,
      `the state holds ${records.length} tensors but this optimizer updates ${current.length}`,
    );
  }
  const signatures: TensorSignature[] = [];
  const states: TensorState[] = [];
  records.forEach((record, i) => {
    const signature = decodeSignature(optimizer, record, i);
    const was = current?.[i];
    if (was !== undefined && (was.length !== signature.length || was.binary !== signature.binary)) {
      refuse(
        optimizer,
        `tensor ${describeTensor(signature.name, i)} has length ${signature.length} (binary ${signature.binary}) ` +
          `in the state but length ${was.length} (binary ${was.binary}) in this optimizer`,
      );
    }
    signatures.push(signature);
    states.push(
      decodeState(optimizer, (record as TensorStateRecord).state, signature, i, keysFor, violation),
    );
  });
  return { signatures, states };
}

function decodeSignature(optimizer: string, record: unknown, i: number): TensorSignature {
  const r = (typeof record === "object" && record !== null ? record : {}) as Partial<TensorStateRecord>;
  const nameOk = r.name === null || typeof r.name === "string";
  const lengthOk = Number.isSafeInteger(r.length) && (r.length as number) >= 0;
  if (!nameOk || !lengthOk || typeof r.binary !== "boolean") {
    refuse(optimizer, `tensors[${i}] must be { name, length, binary, state }, got ${show(record)}`);
  }
  return { name: r.name as string | null, length: r.length as number, binary: r.binary as boolean };
}

function decodeState(
  optimizer: string,
  encoded: unknown,
  sig: TensorSignature,
  i: number,
  keysFor: (binary: boolean) => readonly string[],
  violation: StateCheck,
): TensorState {
  const label = describeTensor(sig.name, i);
  const keys = keysFor(sig.binary);
  const given = typeof encoded === "object" && encoded !== null ? Object.keys(encoded) : null;
  if (given === null || given.length !== keys.length || !keys.every((k) => given.includes(k))) {
    refuse(optimizer, `tensor ${label} must hold state [${keys.join(", ")}], got ${show(given)}`);
  }
  const state: TensorState = {};
  for (const key of keys) {
    const a = decodeFloat32((encoded as Record<string, unknown>)[key], sig.length);
    if (a === null) {
      refuse(optimizer, `state ${key} of tensor ${label} is not base64 of ${sig.length} float32 values`);
    }
    state[key] = a;
  }
  for (const key of keys) {
    const bad = violation(key, state[key], state.v);
    if (bad !== null) {
      refuse(
        optimizer,
        `state ${key} of tensor ${label} holds ${show(state[key][bad.index])} at index ${bad.index}; it must be ${bad.want}`,
      );
    }
  }
  return state;
}
