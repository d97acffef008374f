/**
 * Checks of the tensors handed to `step`, all made before anything is modified so that a
 * refused step leaves every parameter and all optimizer state untouched.
 */
import { BamsprodError, show } from "../util/errors.js";
import type { ParamTensor, TensorSignature } from "./types.js";

/** How a tensor is named in messages: its name when it has one, always its position. */
export function describeTensor(name: string | null | undefined, index: number): string {
  return name === null || name === undefined ? `params[${index}]` : `${show(name)} (params[${index}])`;
}

/**
 * Checks the shape of the parameter list: an array of `{ value, grad }` Float32Array pairs of
 * equal length, matching `previous` (the list seen at earlier steps) when there is one.
 * Returns the signatures of this list (`previous` itself when it matched).
 */
export function checkParams(
  optimizer: string,
  params: unknown,
  previous: readonly TensorSignature[] | null,
  step: number,
): readonly TensorSignature[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw new BamsprodError(
      `${optimizer}.step: expected a non-empty array of { value, grad } tensors, got ${show(params)}`,
    );
  }
  if (previous !== null && previous.length !== params.length) {
    throw new BamsprodError(
      `${optimizer}.step: step ${step} got ${params.length} tensors, earlier steps had ${previous.length}; ` +
        `pass the same parameter list every step (or start a new optimizer)`,
    );
  }
  const signatures: TensorSignature[] = [];
  for (let i = 0; i < params.length; i++) {
    const signature = checkTensor(optimizer, params[i], i);
    if (previous !== null) checkSame(optimizer, previous[i], signature, i, step);
    else signatures.push(signature);
  }
  return previous ?? signatures;
}

function checkTensor(optimizer: string, p: unknown, i: number): TensorSignature {
  if (typeof p !== "object" || p === null) {
    throw new BamsprodError(`${optimizer}.step: params[${i}] must be { value, grad }, got ${show(p)}`);
  }
  const { name, value, grad, binary } = p as Partial<ParamTensor>;
  if (name !== undefined && typeof name !== "string") {
    throw new BamsprodError(`${optimizer}.step: params[${i}].name must be a string, got ${show(name)}`);
  }
  const label = describeTensor(name, i);
  if (!(value instanceof Float32Array)) {
    throw new BamsprodError(`${optimizer}.step: the value of ${label} must be a Float32Array`);
  }
  if (!(grad instanceof Float32Array)) {
    throw new BamsprodError(`${optimizer}.step: the grad of ${label} must be a Float32Array`);
  }
  if (value.length !== grad.length) {
    throw new BamsprodError(
      `${optimizer}.step: ${label} has ${value.length} values but ${grad.length} gradient entries; they must match`,
    );
  }
  if (binary !== undefined && typeof binary !== "boolean") {
    throw new BamsprodError(`${optimizer}.step: ${label}.binary must be true or false, got ${show(binary)}`);
  }
  return { name: name ?? null, length: value.length, binary: binary === true };
}

function checkSame(
  optimizer: string,
  was: TensorSignature,
  now: TensorSignature,
  i: number,
  step: number,
): void {
  const label = describeTensor(now.name, i);
  const differs = (what: string, before: unknown, after: unknown): BamsprodError =>
    new BamsprodError(
      `${optimizer}.step: ${label} changed its ${what} from ${show(before)} to ${show(after)} at step ${step}; ` +
        `pass the same parameter list every step (or start a new optimizer)`,
    );
  // A tensor without a name matches any name: only names given on both sides are compared.
  if (was.name !== null && now.name !== null && was.name !== now.name)
    throw differs("name", was.name, now.name);
  if (was.length !== now.length) throw differs("length", was.length, now.length);
  if (was.binary !== now.binary) throw differs("binary flag", was.binary, now.binary);
}

/**
 * The largest gradient magnitude a step accepts. Beyond it g*g overflows float32 (max ~3.4e38)
 * and the second moments would become infinite; below it every moment stays finite, which
 * the branch-free selects in the update loops rely on.
 */
export const GRADIENT_LIMIT = 1e19;

/** The error for a bad gradient entry: names the tensor, the value, the index and the step. */
export function gradientError(
  optimizer: string,
  p: ParamTensor,
  i: number,
  j: number,
  step: number,
): BamsprodError {
  const value = p.grad[j];
  const what = Number.isFinite(value)
    ? `${value.toExponential()}, beyond +-1e19 (its square would overflow float32)`
    : show(value);
  return new BamsprodError(
    `${optimizer}.step: the gradient of ${describeTensor(p.name, i)} is ${what} at index ${j} ` +
      `at step ${step}; nothing was updated (lower the learning rate, scale the loss or clip gradients)`,
  );
}

/** True for a gradient entry a step accepts: finite and within +-GRADIENT_LIMIT. */
export function isGoodGradient(value: number): boolean {
  return Math.abs(value) <= GRADIENT_LIMIT; // false for NaN too
}

/**
 * How many entries of g[from..to) are NaN, infinite or beyond the limit. Branch-free (the
 * common case is a clean gradient) and unrolled by eight, which V8 runs about twice as fast as
 * the one-entry loop (measured).
 */
export function countBadGradients(g: Float32Array, from = 0, to = g.length): number {
  let bad = 0;
  let j = from;
  for (; j + 8 <= to; j += 8) {
    bad +=
      Number(!(Math.abs(g[j]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 1]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 2]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 3]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 4]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 5]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 6]) <= GRADIENT_LIMIT)) +
      Number(!(Math.abs(g[j + 7]) <= GRADIENT_LIMIT));
  }
  for (; j < to; j++) bad += Number(!(Math.abs(g[j]) <= GRADIENT_LIMIT));
  return bad;
}

/** Index of the first NaN, infinite or too large entry, or -1. */
export function firstBadGradient(g: Float32Array): number {
  if (countBadGradients(g) === 0) return -1;
  for (let k = 0; k < g.length; k++) if (!isGoodGradient(g[k])) return k;
  return -1;
}
