/**
 * The documented maximums (docs/limits.md): sizes are checked against them before anything is
 * allocated, from headers and shapes alone, so a small hostile file cannot make bamsprod
 * allocate gigabytes. Each error names the size and the limit.
 */
import { BamsprodError } from "./errors.js";

export const LIMITS = Object.freeze({
  /** Bytes of a file bamsprod reads whole: a checkpoint, a .bnn model, an IDX file (decompressed). */
  fileBytes: 512 * 1024 ** 2,
  /** Elements of one sample's input ([C, H, W] multiplied out). */
  inputElements: 1 << 22,
  /** Parameters and buffers of a model, all tensors together. */
  modelParameters: 1 << 24,
  /** Float32 values of one layer's activations for a whole batch. */
  activationElements: 1 << 28,
  /** Images per batch. */
  batchSize: 1 << 16,
});

/** Throws unless `size` <= `limit`; `what` names the quantity ("the input shape [1, 1e5, 1e5]"). */
export function checkLimit(what: string, size: number, limit: number, unit = ""): void {
  if (!(size <= limit)) {
    const n = (v: number): string => v.toLocaleString("en-US");
    throw new BamsprodError(
      `${what} is ${n(size)}${unit}, beyond the limit of ${n(limit)}${unit} (see docs/limits.md)`,
    );
  }
}
