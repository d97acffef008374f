/**
 * Inference speed of the packed model (.bnn: XNOR + popcount on 1-bit weights) against the
 * float evaluation path of the training engine and against onnxruntime-node running the
 * model's ONNX export, on the same test images in the same run:
 * `npm run bench -- infer [--images N] [--repeats R] [--threads T]`.
 *
 * For bmlp, bcnn, birealnet and reactnet (seeded random weights: speed does not depend on the
 * values), with the portable kernels and, when the addon is built, the native ones, it prints
 * images per second of the float and packed paths and their ratio, after checking the packed
 * model's promise (docs/format.md): the same classes as evaluation mode on every image it
 * reports certain (how many are not, and how many of those differ, is printed; the residual
 * models' images are all uncertain: their real-valued stream reaches the logits). Then packed (native kernels)
 * against onnxruntime-node (CPU provider, the same thread count) at batch 1 and batch 256.
 * Each rate is the best of R repeats (the machine is shared: other users' bursts only slow a
 * repeat down).
 */
import { cpus, loadavg } from "node:os";
import { loadFashionMnist } from "../src/data/index.js";
import { compileModel, encodePacked, loadPacked, type PackedModel } from "../src/export/index.js";
import { getBackend, portableBackend, setBackend, type Backend } from "../src/kernels/index.js";
import { chooseBackend } from "../src/kernels/select.js";
import { buildModel, type Sequential } from "../src/nn/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { Rng } from "../src/util/random.js";
import { againstOnnxRuntime } from "./onnxruntime.js";
import { BamsprodError } from "../src/util/errors.js";

interface Options {
  images: number;
  repeats: number;
  threads: number | null;
}

export default async function (args: string[]): Promise<void> {
  const o = parseArgs(args);
  const test = loadFashionMnist().test;
  // The default choice first: made later, it would reset the thread count chosen below.
  const before = getBackend();
  const backends: Backend[] = [portableBackend];
  const env = o.threads === null ? process.env : { ...process.env, BAMSPROD_THREADS: String(o.threads) };
  console.log(
    `CPU ${cpus()[0]?.model ?? "unknown"}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  try {
    const { backend, notice } = chooseBackend({ ...env, BAMSPROD_KERNELS: "native" });
    backends.push(backend);
    console.log(notice);
  } catch (err) {
    console.log(`native kernels unavailable (${(err as Error).message}); portable only`);
  }
  console.log("model  kernels   images  float eval img/s  packed img/s  packed/float  uncertain (differ)");
  for (const name of ["bmlp", "bcnn", "birealnet", "reactnet"] as const) {
    const model = buildModel(name, { seed: 1 });
    const packed = loadPacked(encodePacked(compileModel(model)));
    for (const backend of backends) {
      setBackend(backend);
      // The portable float convolutional models run ~100 images/s: fewer images keep the run short.
      const count = Math.min(
        test.count,
        backend === portableBackend && name !== "bmlp" ? Math.floor(o.images / 5) : o.images,
      );
      const images = test.images.subarray(0, count * 784);
      const float = best(o.repeats, () => floatPredict(model, images, count));
      const bits = best(o.repeats, () => packed.predict(images, count));
      const { uncertain, differ } = checkPromise(name, packed, images, count, float.result, bits.result);
      const rate = (s: number): number => count / s;
      console.log(
        `${name.padEnd(6)} ${backend.name.padEnd(9)} ${String(count).padStart(6)}  ${rate(float.seconds).toFixed(0).padStart(16)}  ` +
          `${rate(bits.seconds).toFixed(0).padStart(12)}  ${(float.seconds / bits.seconds).toFixed(2).padStart(11)}x  ${String(uncertain).padStart(9)} (${differ})`,
      );
    }
  }
  if (backends.length > 1) {
    setBackend(backends[1]);
    await againstOnnxRuntime(test.images, Math.min(test.count, o.images), o.repeats, backends[1]);
  }
  setBackend(before);
  reportSizes();
}

/**
 * The packed model's promise: the classes of evaluation mode on every image it reports certain.
 * @throws Error naming the model and the count when an image it covers differs.
 */
function checkPromise(
  name: string,
  packed: PackedModel,
  images: Uint8Array,
  count: number,
  float: Int32Array,
  bits: Int32Array,
): { uncertain: number; differ: number } {
  const certain = packed.certain(images, count);
  let uncertain = 0;
  let differ = 0;
  let broken = 0;
  for (let i = 0; i < count; i++) {
    if (certain[i] === 0) uncertain++;
    if (float[i] === bits[i]) continue;
    if (certain[i] === 1) broken++;
    else differ++;
  }
  if (broken > 0)
    throw new Error(
      `${name}: packed and float predictions differ on ${broken} images the packed model reports certain`,
    );
  return { uncertain, differ };
}

function parseArgs(args: string[]): Options {
  const o: Options = { images: 5000, repeats: 3, threads: null };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--images" && Number.isInteger(value) && value >= 10) o.images = value;
    else if (args[i] === "--repeats" && Number.isInteger(value) && value > 0) o.repeats = value;
    else if (args[i] === "--threads" && Number.isInteger(value) && value > 0) o.threads = value;
    else throw new BamsprodError(`bench infer: unknown or invalid option ${args[i]} ${args[i + 1] ?? ""}`);
  }
  return o;
}

/** The evaluation path: model.forward in evaluation mode, batches of 500 (as evaluate() does). */
function floatPredict(model: Sequential, images: Uint8Array, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const x = new Tensor(Float32Array.from(images.subarray(start * 784, (start + n) * 784)), [n, 1, 28, 28]);
    const logits = model.forward(x, { training: false, rng: new Rng(0) }).data;
    for (let r = 0; r < n; r++) {
      let k = 0;
      for (let j = 1; j < model.classes; j++)
        if (logits[r * model.classes + j] > logits[r * model.classes + k]) k = j;
      out[start + r] = k;
    }
  }
  return out;
}

function best<T>(repeats: number, f: () => T): { seconds: number; result: T } {
  let seconds = Infinity;
  let result = f(); // warm-up (JIT, scratch buffers)
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = f();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { seconds, result };
}

/** File sizes: .bnn against float32 parameters + batch-norm statistics. */
function reportSizes(): void {
  for (const name of ["bmlp", "bcnn"] as const) {
    const model = buildModel(name, { seed: 1 });
    const bytes = encodePacked(compileModel(model)).length;
    const floats =
      model.parameters().reduce((s, p) => s + p.tensor.size, 0) +
      model.buffers().reduce((s, b) => s + b.data.length, 0);
    console.log(
      `${name}: .bnn ${bytes} bytes, float32 ${4 * floats} bytes (${((4 * floats) / bytes).toFixed(1)}x)`,
    );
  }
}
