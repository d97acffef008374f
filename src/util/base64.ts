/** Lossless text encoding of typed arrays (their raw little-endian bytes) for JSON files. */
export function float32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** Decodes {@link float32ToBase64}; returns null when the byte count is not a whole number of floats. */
export function base64ToFloat32(s: string): Float32Array | null {
  const bytes = Buffer.from(s, "base64");
  if (bytes.byteLength % 4 !== 0) return null;
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
