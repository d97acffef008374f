import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import {
  compileModel,
  crc32,
  decodePacked,
  encodePacked,
  loadPacked,
  PACKED_MAGIC,
  type PackedLayer,
  type PackedSpec,
} from "../../src/export/index.js";
import { randomModel } from "./helpers.js";

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

test("crc32: the standard check value and agreement with zlib", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (zlibCrc !== undefined) {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 73 + 11) & 0xff);
    assert.equal(crc32(bytes), zlibCrc(bytes));
  }
});

/** The record size docs/format.md gives for each layer type (type + length words, body). */
function recordBytes(layer: PackedLayer): number {
  const kernelBytes = (weights: number, bits: boolean): number =>
    bits ? align4(Math.ceil(weights / 8)) : 4 * weights;
  switch (layer.type) {
    case "rescale":
      return 8 + 4 + 8 * layer.scale.length;
    case "flatten":
      return 8;
    case "dense":
      return 8 + 12 + kernelBytes(layer.inFeatures * layer.outFeatures, layer.kernel.kind === "bits");
    case "conv2d":
      return (
        8 +
        36 +
        kernelBytes(
          layer.outChannels * layer.inChannels * layer.kernelH * layer.kernelW,
          layer.kernel.kind === "bits",
        )
      );
    case "bias":
      return 8 + 4 + 4 * layer.values.length;
    case "max_pool2d":
      return 8 + 8;
    case "threshold":
      return 8 + 4 + 4 * layer.thresholds.length + align4(Math.ceil(layer.thresholds.length / 8));
    case "scale_shift":
      return 8 + 4 + 16 * layer.scale.length;
    case "avg_pool2d":
      return 8 + 8;
    case "rprelu":
      return 8 + 4 + 12 * layer.alpha.length;
    case "residual":
      return 8 + 8 + [...layer.body, ...layer.shortcut].reduce((s, l) => s + recordBytes(l), 0);
  }
}

for (const name of ["bmlp", "bcnn"] as const) {
  test(`${name}: file size follows the documented formula, binary kernels at 1 bit per weight`, () => {
    const model = randomModel(name, 1);
    const spec = compileModel(model);
    const bytes = encodePacked(spec);
    const info = new TextEncoder().encode(JSON.stringify(spec.info)).length;
    const expected = 24 + 24 + align4(info) + spec.layers.reduce((s, l) => s + recordBytes(l), 0);
    assert.equal(bytes.length, expected);
    // Every binary kernel of the model is in the file at ceil(weights / 8) bytes.
    const binary = model.parameters().filter((p) => p.binary);
    const packed = spec.layers.flatMap((l) =>
      "kernel" in l && l.kernel.kind === "bits" ? [l.kernel.bits.length] : [],
    );
    assert.deepEqual(
      packed,
      binary.map((p) => Math.ceil(p.tensor.size / 8)),
    );
    const floatBytes =
      4 *
      (model.parameters().reduce((s, p) => s + p.tensor.size, 0) +
        model.buffers().reduce((s, b) => s + b.data.length, 0));
    assert.ok(floatBytes / bytes.length > 25, `float ${floatBytes} vs packed ${bytes.length}`);
  });
}

test("bmlp: exact byte count of the packed file", () => {
  // 784->512->512->10 binary kernels: 50176 + 32768 + 640 bytes; thresholds 2 x (4 + 2048 + 64);
  // scale/shift 4 + 160; rescale 12; header 24; fixed payload fields 24; records' type+length 8 x 8.
  const spec = compileModel(randomModel("bmlp", 1));
  const info = align4(new TextEncoder().encode(JSON.stringify(spec.info)).length);
  const kernels = 12 + 50176 + (12 + 32768) + (12 + 640);
  assert.equal(encodePacked(spec).length, 24 + 24 + info + 8 * 8 + 12 + kernels + 2 * 2116 + 164);
});

function sameSpec(a: PackedSpec, b: PackedSpec): void {
  assert.deepEqual(b.inputShape, a.inputShape);
  assert.equal(b.classes, a.classes);
  assert.deepEqual(b.info, a.info);
  assert.deepEqual(b.layers, a.layers); // typed arrays compare element-wise
}

test("decode(encode(spec)) gives back the same model, and the same bytes again", () => {
  for (const name of ["bmlp", "bcnn"] as const) {
    const spec = compileModel(randomModel(name, 3), { note: "round trip" });
    const bytes = encodePacked(spec);
    const decoded = decodePacked(bytes);
    sameSpec(spec, decoded);
    assert.deepEqual(encodePacked(decoded), bytes);
  }
});

function validFile(): Uint8Array {
  return encodePacked(compileModel(randomModel("bmlp", 4)));
}

/** Offset of the first layer record: header, fixed payload fields, then the aligned info text. */
function firstRecord(v: DataView): number {
  return 24 + 24 + align4(v.getUint32(24 + 20, true));
}

/** Rewrites the header CRC so that a deliberately edited payload passes the checksum. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(16, crc32(copy.subarray(24)), true);
  return copy;
}

const corruptions: Array<[string, (b: Uint8Array) => Uint8Array, RegExp]> = [
  [
    "a JSON file",
    () => new TextEncoder().encode('{"format":"bamsprod-checkpoint"}'),
    /not a bamsprod packed model \(\.bnn\): it starts with bytes \[7b 22/,
  ],
  ["an empty file", () => new Uint8Array(0), /not a bamsprod packed model/],
  [
    "bad magic",
    (b) => b.map((v, i) => (i === 1 ? 0x58 : v)),
    /not a bamsprod packed model.*expected \[89 42 4e 4e 0d 0a 1a 0a\]/,
  ],
  ["a cut header", (b) => b.slice(0, 12), /truncated: 12 bytes, less than the 24-byte header/],
  [
    "version 2",
    (b) => {
      const c = b.slice();
      new DataView(c.buffer).setUint32(8, 2, true);
      return c;
    },
    /format version 2, but this bamsprod reads version 1/,
  ],
  [
    "a truncated payload",
    (b) => b.slice(0, b.length - 100),
    /truncated: its header announces \d+ payload bytes but only \d+ follow/,
  ],
  ["trailing bytes", (b) => Uint8Array.from([...b, 0, 0, 0, 0]), /4 unexpected bytes follow/],
  [
    "reserved bits",
    (b) => {
      const c = b.slice();
      c[20] = 1;
      return c;
    },
    /reserved header bits/,
  ],
  [
    "a flipped payload bit",
    (b) => b.map((v, i) => (i === 5000 ? v ^ 0x10 : v)),
    /corrupted: checksum mismatch \(header CRC-32 0x[0-9a-f]{8}, payload CRC-32 0x[0-9a-f]{8}\)/,
  ],
  [
    "an unknown layer type (checksum fixed)",
    (b) => {
      const c = b.slice();
      const v = new DataView(c.buffer);
      v.setUint32(firstRecord(v), 99, true);
      return resealed(c);
    },
    /corrupt although its checksum matches \(layer 0 has unknown type code 99\)/,
  ],
  [
    "a wrong dense size (checksum fixed)",
    (b) => {
      const c = b.slice();
      const v = new DataView(c.buffer);
      // Walk to the first dense record and change its input size.
      let at = firstRecord(v);
      while (v.getUint32(at, true) !== 3) at += 8 + v.getUint32(at + 4, true);
      v.setUint32(at + 8, 783, true);
      return resealed(c);
    },
    /corrupt although its checksum matches .*layer 2 \(dense\)/,
  ],
];

for (const [what, corrupt, message] of corruptions) {
  test(`loadPacked refuses ${what} with a clear message`, () => {
    assert.throws(
      () => loadPacked(corrupt(validFile()), "model.bnn"),
      (err: Error) => {
        assert.equal(err.name, "BamsprodError");
        assert.match(err.message, /^model\.bnn /);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test("the magic is PNG-style: a high byte, BNN, CR LF, ^Z, LF", () => {
  assert.deepEqual([...PACKED_MAGIC], [0x89, 0x42, 0x4e, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual([...validFile().subarray(0, 8)], [...PACKED_MAGIC]);
});
