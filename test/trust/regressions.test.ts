// Issue 16 regressions (the part merged so far): optimizer and model state checks, the refusal of
// non-finite steps, size limits of .bnn files, models and data files, one-line CLI errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { gzipSync } from "node:zlib";
import { createOptimizer } from "../../src/optim/index.js";
import { buildModel } from "../../src/nn/index.js";
import { decodePacked } from "../../src/export/decode.js";
import { encodePacked } from "../../src/export/encode.js";
import { bitBytes, type PackedSpec } from "../../src/export/format.js";
import { readIdxImages } from "../../src/data/index.js";
import { readMaybeGzip } from "../../src/data/gzip.js";
import { readFileBounded } from "../../src/util/readBounded.js";
import { describeFailure } from "../../src/cli/failure.js";
import { isCleanError, runCli } from "../cli/helpers.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-trust-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Base64 of float32 values, as state dicts store them. */
function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

/** Decodes base64 float32 values. */
function floatsOf(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Sets entry `index` of base64 float array `text` to `value`. */
function poke(text: string, index: number, value: number): string {
  const a = floatsOf(text);
  a[index] = value;
  return base64Floats(Array.from(a));
}

/** A small valid .bnn whose one convolution has `channels` output channels. */
function wideConv(channels: number): PackedSpec {
  return {
    inputShape: [1, 28, 28],
    classes: 10,
    info: {},
    layers: [
      {
        type: "conv2d",
        inChannels: 1,
        outChannels: channels,
        kernelH: 1,
        kernelW: 1,
        strideH: 1,
        strideW: 1,
        padH: 0,
        padW: 0,
        binaryInput: false,
        kernel: { kind: "bits", bits: new Uint8Array(bitBytes(channels)) },
      },
      { type: "max_pool2d", size: 28, stride: 28 },
      { type: "flatten" },
      {
        type: "dense",
        inFeatures: channels,
        outFeatures: 10,
        binaryInput: true,
        kernel: { kind: "bits", bits: new Uint8Array(bitBytes(10 * channels)) },
      },
    ],
  };
}

test("case 1: loadStateDict refuses v = NaN, v < 0, m = Inf and vmax < v, and stays unchanged", () => {
  const opt = createOptimizer("bamsprod");
  const x = new Float32Array([0.5, -0.25]);
  opt.step([{ name: "w", value: x, grad: new Float32Array([0.1, -0.2]), binary: true }]);
  const good = opt.stateDict();
  const cases: Array<[string, number, number, RegExp]> = [
    ["v", 1, NaN, /state v of tensor "w" \(params\[0\]\) holds NaN at index 1; it must be finite/],
    ["v", 0, -1, /state v .* holds -1 at index 0; it must be >= 0/],
    ["m", 0, Infinity, /state m .* holds Infinity at index 0; it must be finite/],
    ["vmax", 1, 0, /state vmax .* holds 0 at index 1; it must be >= v/],
  ];
  for (const [key, index, value, message] of cases) {
    const bad = structuredClone(good);
    const record = bad.tensors![0];
    record.state[key] = poke(record.state[key], index, value);
    assert.throws(() => opt.loadStateDict(bad), message);
    assert.deepEqual(opt.stateDict(), good);
  }
});

test("a refused state record is quoted in a short line, not with its whole state arrays (found by the fuzz test)", () => {
  const opt = createOptimizer("bamsprod");
  const x = new Float32Array(4096).fill(0.5);
  opt.step([{ name: "w", value: x, grad: new Float32Array(4096).fill(0.1), binary: true }]);
  const bad = structuredClone(opt.stateDict()) as unknown as { tensors: Array<{ name: unknown }> };
  bad.tensors[0].name = 0.5;
  assert.throws(
    () => opt.loadStateDict(bad as never),
    (err: Error) =>
      /tensors\[0\] must be \{ name, length, binary, state \}, got \{"name":0\.5,.*\.\.\. \(\d+ characters\)$/.test(
        err.message,
      ) && err.message.length < 400,
  );
});

test("case 1: a step that would drive weights to -Infinity (lr 1e308, clip null) is refused, all or nothing", () => {
  // (AdaBound is absent: its step size is clamped by finalLr, so even lr 1e308 stays finite.)
  for (const name of ["bamsprod", "adam", "amsgrad", "sgd", "bop"] as const) {
    const opt = createOptimizer(name, (name === "bop" ? { lr: 1e308 } : { lr: 1e308, clip: null }) as never);
    const a = new Float32Array([0.5, -0.25, 0.125]);
    const b = new Float32Array([1, 2]);
    const params = [
      { name: "a", value: a, grad: new Float32Array([0.1, -0.2, 0.3]), binary: true },
      { name: "b", value: b, grad: new Float32Array([1e3, -1e3]) },
    ];
    assert.throws(
      () => opt.step(params),
      /\.step: step 1 would make "[ab]" \(params\[[01]\]\) -?Infinity at index 0 .*nothing was updated/,
    );
    assert.deepEqual(Array.from(a), [0.5, -0.25, 0.125]);
    assert.deepEqual(Array.from(b), [1, 2]);
    assert.equal(opt.stepCount, 0);
    assert.equal(opt.stateDict().tensors, null);
    opt.lr = 1e-3; // the same optimizer then steps normally
    opt.step(params);
    assert.ok(Array.from(a).every(Number.isFinite));
    assert.equal(opt.stepCount, 1);
  }
});

test("case 1: the model's loadStateDict checks presence, size, finiteness and variances before copying", () => {
  const model = buildModel("bmlp", { inputShape: [1, 28, 28], classes: 10, seed: 1 });
  const saved = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.slice()]));
  const variance = Object.keys(saved).find((k) => k.endsWith("/moving_variance"))!;
  const bad = { ...saved, [variance]: saved[variance].slice().fill(-2) };
  const before = model.stateDict()["param:quant_dense_1/kernel"].slice();
  assert.throws(
    () => model.loadStateDict(bad),
    /moving_variance" holds -2 at index 0; its values must be finite and >= 0/,
  );
  assert.throws(() => model.loadStateDict({ ...saved, extra: new Float32Array(1) }), /has no tensor "extra"/);
  const { [variance]: _gone, ...missing } = saved;
  assert.throws(() => model.loadStateDict(missing), /is missing/);
  assert.deepEqual(model.stateDict()["param:quant_dense_1/kernel"], before);
});

test("case 4: a small .bnn with a 16,384-channel convolution is refused before inference allocates", () => {
  const bytes = encodePacked(wideConv(16384));
  assert.ok(bytes.length < 100_000, `${bytes.length} bytes`);
  assert.throws(
    () => decodePacked(bytes, "wide.bnn"),
    /the inference memory of layer 0 \(conv2d, output \[16384, 28, 28\]\) of wide.bnn for 128 images is 1,644,167,168 values, beyond the limit of 268,435,456 values/,
  );
  decodePacked(encodePacked(wideConv(64)), "narrow.bnn"); // the same shape, narrower, loads
});

test("case 4: models too large for the limits are refused from their shapes (summary --input-shape 1,1400,1400)", () => {
  const start = performance.now();
  assert.throws(
    () => buildModel("bcnn", { inputShape: [1, 1400, 1400], classes: 10 }),
    /the weight count of a model with input \[1, 1400, 1400\] is [\d,]+, beyond the limit of 16,777,216/,
  );
  assert.ok(performance.now() - start < 1000);
});

test(
  "case 4: a dataset file linked to /dev/zero is refused once the bound is passed",
  { skip: process.platform !== "linux" },
  () => {
    const dir = tempDir();
    const path = join(dir, "train-images-idx3-ubyte.gz");
    symlinkSync("/dev/zero", path);
    // /dev/zero starts with 00 00 00 00: not gzip, and not the IDX magic number.
    assert.throws(() => readIdxImages(path), /has IDX magic number 0x00000000, expected 0x00000803/);
    const zeros = join(dir, "zeros");
    symlinkSync("/dev/zero", zeros);
    // Past the magic-number check, whole files are read by readFileBounded: it stops at the bound.
    assert.throws(
      () => readFileBounded(zeros, 1 << 22),
      /the data read from ".*zeros" is 4,194,305 bytes, beyond the limit of 4,194,304 bytes/,
    );
    // A gzip bomb is bounded after decompression too.
    const bomb = join(dir, "t10k-labels-idx1-ubyte.gz");
    writeFileSync(bomb, gzipSync(Buffer.alloc((1 << 22) + 1)));
    assert.throws(
      () => readMaybeGzip(bomb, 1 << 22),
      /decompresses to more than 4,194,304 bytes, beyond the limit/,
    );
  },
);

test("case 4: a 1.9 GB file with a bad magic number is refused without reading it", () => {
  const path = join(tempDir(), "t10k-images-idx3-ubyte");
  writeFileSync(path, Buffer.from([0x12, 0x34, 0x56, 0x78]));
  const fd = openSync(path, "r+");
  ftruncateSync(fd, 1.9e9); // sparse: no disk used
  closeSync(fd);
  const start = performance.now();
  assert.throws(() => readIdxImages(path), /has IDX magic number 0x12345678, expected 0x00000803/);
  assert.ok(performance.now() - start < 500, "only the header was read");
});

test("case 4: a .bnn, model file, tfjs model or image larger than the file limit is refused by its size, unread", () => {
  const dir = tempDir();
  const huge = (name: string): string => {
    const path = join(dir, name);
    writeFileSync(path, "");
    const fd = openSync(path, "r+");
    ftruncateSync(fd, 1.9e9); // sparse: no disk used
    closeSync(fd);
    return path;
  };
  const limit = /is 1,900,000,000 bytes, beyond the limit of 536,870,912 bytes/;
  for (const [args, what] of [
    [["predict", "--model", huge("m.bnn"), "--image", "x.png"], "--model"],
    [["export", "--model", huge("e.bnn"), "--out", join(dir, "o.onnx"), "--format", "onnx"], "--model"],
    [["export", "--tfjs", huge("model.json"), "--out", join(dir, "t.bnn")], "--tfjs"],
    [["summary", "--model", huge("s.json")], "model file"],
  ] as const) {
    const start = performance.now();
    const r = runCli([...args]);
    assert.ok(isCleanError(r), r.stderr);
    assert.match(r.stderr, new RegExp(`the size of ${what} ".*" ${limit.source}`));
    assert.ok(performance.now() - start < 10_000, "refused without reading 1.9 GB");
  }
});

test("case 11: convex --set refuses unknown optimizer names (constructor) and optimizers that are not run", () => {
  const out = tempDir();
  for (const [set, message] of [
    ["constructor:lr=5", /--set: unknown optimizer "constructor"/],
    ["adam:lr=5", /--set "adam:lr=5": optimizer "adam" is not run \(--optimizers sgd\)/],
  ] as const) {
    const r = runCli([
      "convex",
      "--steps",
      "10",
      "--problems",
      "reddi",
      "--optimizers",
      "sgd",
      "--set",
      set,
      "--out",
      out,
    ]);
    assert.ok(isCleanError(r), r.stderr);
    assert.match(r.stderr, message);
  }
});

test("no stack trace from any failure: internal errors and out-of-memory are one line", () => {
  const internal = describeFailure(new TypeError("x is undefined"));
  assert.equal(internal.code, 1);
  assert.match(
    internal.message,
    /^internal error: TypeError: x is undefined \(set BAMSPROD_DEBUG=1 for the stack\)$/,
  );
  const memory = describeFailure(new RangeError("Array buffer allocation failed"));
  assert.match(memory.message, /^out of memory: Array buffer allocation failed; use smaller inputs/);
  const disk = describeFailure(
    Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", path: "/x" }),
  );
  assert.doesNotMatch(disk.message, /\n/);
});
