/**
 * Lossless text encoding of Float32Arrays for JSON files (optimizer state dicts, training
 * checkpoints): base64 of the values' bytes in little-endian order, whatever the machine.
 */
import { endianness } from "node:os";

const bigEndian = endianness() === "BE";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 of the array's bytes in little-endian order. */
export function encodeFloat32(a: Float32Array): string {
  const bytes = Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  if (bigEndian) bytes.swap32();
  return bytes.toString("base64");
}

/**
 * Decodes {@link encodeFloat32}; null when `s` is not base64 of whole floats, or of exactly
 * `length` floats when a length is given.
 */
export function decodeFloat32(s: unknown, length?: number): Float32Array | null {
  if (typeof s !== "string" || s.length % 4 !== 0 || !BASE64.test(s)) return null;
  const bytes = Buffer.from(s, "base64");
  if (bytes.byteLength % 4 !== 0 || (length !== undefined && bytes.byteLength !== length * 4)) return null;
  if (bigEndian) bytes.swap32();
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
