/**
 * Little-endian byte writing and bounds-checked reading for the .bnn format. Every read past
 * the end reports what was being read, so a truncated file says where it was cut.
 */
import { BamsprodError } from "../util/errors.js";
import { align4 } from "./format.js";

/** Appends little-endian values to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  private reserve(bytes: number): number {
    const at = this.length;
    if (at + bytes > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + bytes));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += bytes;
    return at;
  }

  u32(value: number): void {
    const at = this.reserve(4); // before reading this.view, which reserve may replace
    this.view.setUint32(at, value, true);
  }

  f32s(values: Float32Array): void {
    const at = this.reserve(4 * values.length);
    for (let i = 0; i < values.length; i++) this.view.setFloat32(at + 4 * i, values[i], true);
  }

  f64s(values: Float64Array): void {
    const at = this.reserve(8 * values.length);
    for (let i = 0; i < values.length; i++) this.view.setFloat64(at + 8 * i, values[i], true);
  }

  /** Raw bytes followed by zeros up to the next multiple of 4. */
  bytesAligned(bytes: Uint8Array): void {
    const at = this.reserve(align4(bytes.length));
    this.buffer.set(bytes, at);
  }

  /** Everything written so far. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Reads little-endian values; `what` names the field for the truncation message. */
export class ByteReader {
  private readonly view: DataView;
  offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly describe: (problem: string) => string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(count: number, what: string): number {
    if (!Number.isSafeInteger(count) || count < 0 || this.offset + count > this.bytes.length) {
      throw new BamsprodError(
        this.describe(
          `it ends inside ${what} (needs ${count} bytes at offset ${this.offset}, ${this.remaining} left)`,
        ),
      );
    }
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  f32s(count: number, what: string): Float32Array {
    const at = this.take(4 * count, what);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.view.getFloat32(at + 4 * i, true);
    return out;
  }

  f64s(count: number, what: string): Float64Array {
    const at = this.take(8 * count, what);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.view.getFloat64(at + 8 * i, true);
    return out;
  }

  /** `count` bytes (a copy), skipping the padding up to the next multiple of 4. */
  bytesAligned(count: number, what: string): Uint8Array {
    const at = this.take(align4(count), what);
    return this.bytes.slice(at, at + count);
  }
}
