/**
 * Grow-only scratch buffers for the portable kernels, so a training loop does not allocate an
 * im2col matrix or a packing buffer on every call.
 *
 * Why this is safe: kernels are synchronous, and each slot below is used by exactly one kernel
 * routine between its entry and its return; a kernel that calls another (convolution calls
 * gemm) uses a different slot than its callee. JavaScript runs one kernel at a time per thread,
 * and worker threads get their own module instance, so no two live computations share a slot.
 * Callers must never keep a scratch array past the call that obtained it.
 */
type Scratch = Float32Array | Float64Array | Uint32Array;

const float32Slots = new Map<string, Float32Array>();
const float64Slots = new Map<string, Float64Array>();
const uint32Slots = new Map<string, Uint32Array>();

/** The array of `slot` in `slots` if it has at least `length` elements, else a new one kept there. */
function grown<T extends Scratch>(
  slots: Map<string, T>,
  make: new (length: number) => T,
  slot: string,
  length: number,
): T {
  const have = slots.get(slot);
  if (have !== undefined && have.length >= length) return have;
  const fresh = new make(length);
  slots.set(slot, fresh);
  return fresh;
}

/** A Float32Array of at least `length` elements for `slot` (contents unspecified). */
export function scratchFloat32(slot: string, length: number): Float32Array {
  return grown(float32Slots, Float32Array, slot, length);
}

/** A Float64Array of at least `length` elements for `slot` (contents unspecified). */
export function scratchFloat64(slot: string, length: number): Float64Array {
  return grown(float64Slots, Float64Array, slot, length);
}

/** A Uint32Array of at least `length` elements for `slot` (contents unspecified). */
export function scratchUint32(slot: string, length: number): Uint32Array {
  return grown(uint32Slots, Uint32Array, slot, length);
}
