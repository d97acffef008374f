import { BamsprodError, show } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { addInto, outGrad } from "./grad.js";

/**
 * The same elements with another shape; at most one dimension may be -1 (inferred). The output
 * shares x's data array (no copy): ops never write into their inputs, so sharing is safe.
 * Backward: dx += dy.
 * @example reshape(x, [-1, 784]) // [128, 1, 28, 28] -> [128, 784]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolveShape(x, shape);
  return Tensor.fromOp(x.data, resolved, [x], (out) => addInto(x.gradBuffer(), outGrad(out)));
}

/** [N, d1, d2, ...] -> [N, d1*d2*...] (the first axis is the batch). */
export function flatten(x: Tensor): Tensor {
  if (x.shape.length < 1) throw new BamsprodError(`flatten: needs a batch axis, got shape ${show(x.shape)}`);
  const batch = x.shape[0];
  return reshape(x, [batch, batch === 0 ? 0 : x.size / batch]);
}

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  const bad = shape.some((d) => !Number.isInteger(d) || d < -1);
  if (bad || unknown > 1) {
    throw new BamsprodError(
      `reshape: ${show(shape)} is not a valid shape (non-negative integers, at most one -1)`,
    );
  }
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  const size = resolved.reduce((p, d) => p * d, 1);
  if (size !== x.size || !resolved.every(Number.isInteger)) {
    throw new BamsprodError(
      `reshape: cannot view ${x.size} elements (shape ${show(x.shape)}) as ${show(shape)}`,
    );
  }
  return resolved;
}
