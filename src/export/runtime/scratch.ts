/**
 * Reusable output buffers of the inference steps: each step keeps its arrays from one chunk of
 * images to the next instead of allocating (and the garbage collector freeing) megabytes per
 * chunk. A buffer is only valid until its step runs again.
 */
export class Scratch {
  private readonly f32: Float32Array[] = [];
  private readonly u32: Uint32Array[] = [];
  private readonly u8: Uint8Array[] = [];

  /** `length` floats in slot `slot` (contents unspecified). */
  floats(slot: number, length: number): Float32Array {
    if ((this.f32[slot]?.length ?? -1) < length) this.f32[slot] = new Float32Array(length);
    return this.f32[slot].subarray(0, length);
  }

  /** `length` zeroed words in slot `slot`. */
  words(slot: number, length: number): Uint32Array {
    if ((this.u32[slot]?.length ?? -1) < length) this.u32[slot] = new Uint32Array(length);
    const out = this.u32[slot].subarray(0, length);
    out.fill(0);
    return out;
  }

  /** `length` bytes in slot `slot` (contents unspecified). */
  bytes(slot: number, length: number): Uint8Array {
    if ((this.u8[slot]?.length ?? -1) < length) this.u8[slot] = new Uint8Array(length);
    return this.u8[slot].subarray(0, length);
  }
}
