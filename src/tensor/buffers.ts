/**
 * Recycled buffers. `backward` hands the gradients of intermediate results (op outputs) back
 * here when the pass is over: only their own backward closures read them, and those have run.
 * `releaseGraph` (tensor.ts) hands back the op outputs themselves at the end of a training step,
 * with the buffers an op saved for its backward pass (`Tensor.saved`: max pooling's argmax,
 * dropout's mask, RPReLU's shifted input).
 * `Tensor.gradBuffer` and the ops take from here before allocating, so a training step reuses
 * the previous step's memory instead of allocating fresh buffers, whose pages the operating
 * system must fault in and zero (measured on bcnn's 12.8 MB activations: ~4 ms for a fresh
 * buffer against ~1 ms to zero a recycled one), and the garbage collector has less to do. An
 * op takes its output unzeroed (every op writes all of it; test/tensor/buffers.test.ts fills
 * recycled outputs with NaN to check). The pool keeps at most MAX_POOLED_BYTES; buffers beyond
 * that are left to the collector.
 */
const MAX_POOLED_BYTES = 256 * 2 ** 20;

const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/**
 * A buffer of `length` floats: a recycled one when available, else a new one. Zeroed when
 * `zero` is true; otherwise its contents are unspecified (for callers that overwrite it all).
 */
export function takeBuffer(length: number, zero: boolean): Float32Array {
  const stack = free.get(length);
  const recycled = stack?.pop();
  if (recycled === undefined) return new Float32Array(length);
  pooledBytes -= recycled.byteLength;
  if (zero) recycled.fill(0);
  return recycled;
}

/** Returns a buffer nobody reads any more (the caller drops every reference to it). */
export function giveBack(buffer: Float32Array): void {
  // Views into a larger buffer (or into shared data) are not the pool's to reuse.
  if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== buffer.byteLength) return;
  if (pooledBytes + buffer.byteLength > MAX_POOLED_BYTES) return;
  let stack = free.get(buffer.length);
  if (stack === undefined) {
    stack = [];
    free.set(buffer.length, stack);
  }
  stack.push(buffer);
  pooledBytes += buffer.byteLength;
}

/** Empties the pool (its memory goes back to the garbage collector). */
export function clearBufferPool(): void {
  free.clear();
  pooledBytes = 0;
}
