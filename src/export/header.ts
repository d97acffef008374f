/**
 * The 24-byte header of a .bnn file (docs/format.md): magic, format version, payload length,
 * CRC-32 of the payload, reserved word (0); written and checked here, in one place.
 */
import { BamsprodError } from "../util/errors.js";
import { crc32 } from "./crc32.js";
import { HEADER_BYTES, PACKED_MAGIC, PACKED_VERSION } from "./format.js";

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const hex32 = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;

/** The .bnn file of a payload: the header, then the payload. */
export function withHeader(payload: Uint8Array): Uint8Array {
  const file = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(file.buffer);
  file.set(PACKED_MAGIC, 0);
  view.setUint32(8, PACKED_VERSION, true);
  view.setUint32(12, payload.length, true);
  view.setUint32(16, crc32(payload), true);
  view.setUint32(20, 0, true);
  file.set(payload, HEADER_BYTES);
  return file;
}

/** Checks magic, version, length and CRC; returns the payload. */
export function checkHeader(bytes: Uint8Array, name: string): Uint8Array {
  const reexport = "re-export it with `bamsprod export --format packed`";
  if (bytes.length < PACKED_MAGIC.length || !PACKED_MAGIC.every((b, i) => bytes[i] === b)) {
    const start = hex(bytes.subarray(0, PACKED_MAGIC.length));
    throw new BamsprodError(
      `${name} is not a bamsprod packed model (.bnn): it starts with bytes [${start}], expected [${hex(PACKED_MAGIC)}]; ` +
        "pass a file written by `bamsprod export --format packed`",
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw new BamsprodError(
      `${name} is truncated: ${bytes.length} bytes, less than the ${HEADER_BYTES}-byte header; ${reexport}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PACKED_VERSION) {
    throw new BamsprodError(
      `${name} has .bnn format version ${version}, but this bamsprod reads version ${PACKED_VERSION}; ` +
        `use the bamsprod release that wrote it, or ${reexport}`,
    );
  }
  const length = view.getUint32(12, true);
  const actual = bytes.length - HEADER_BYTES;
  if (actual < length) {
    throw new BamsprodError(
      `${name} is truncated: its header announces ${length} payload bytes but only ${actual} follow; ${reexport}`,
    );
  }
  if (actual > length) {
    throw new BamsprodError(
      `${name} is corrupt: ${actual - length} unexpected bytes follow the ${length}-byte payload; ${reexport}`,
    );
  }
  if (view.getUint32(20, true) !== 0) {
    throw new BamsprodError(`${name} sets reserved header bits this bamsprod does not know; ${reexport}`);
  }
  const payload = bytes.subarray(HEADER_BYTES);
  const stored = view.getUint32(16, true);
  const computed = crc32(payload);
  if (stored !== computed) {
    throw new BamsprodError(
      `${name} is corrupted: checksum mismatch (header CRC-32 ${hex32(stored)}, payload CRC-32 ${hex32(computed)}); ${reexport}`,
    );
  }
  return payload;
}
