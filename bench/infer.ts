/**
 * Inference speed of the packed model (.bnn: XNOR + popcount on 1-bit weights) against the
 * float evaluation path of the training engine, on the same test images in the same run:
 * `npm run bench -- infer [--images N] [--repeats R]`.
 *
 * For bmlp and bcnn (seeded random weights: speed does not depend on the values), with the
 * portable kernels and, when the addon is built, the native ones, it prints images per second
 * of both paths and their ratio, after checking that both predict the same classes. Each rate
 * is the best of R repeats (the machine is shared: other users' bursts only slow a repeat down).
 */
import { loadFashionMnist } from "../src/data/index.js";
import { compileModel, encodePacked, loadPacked } from "../src/export/index.js";
import { getBackend, portableBackend, setBackend, type Backend } from "../src/kernels/index.js";
import { chooseBackend } from "../src/kernels/select.js";
import { buildModel, type Sequential } from "../src/nn/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { Rng } from "../src/util/random.js";

interface Options {
  images: number;
  repeats: number;
}

export default async function (args: string[]): Promise<void> {
  const o = parseArgs(args);
  const test = loadFashionMnist().test;
  const backends: Backend[] = [portableBackend];
  try {
    const { backend, notice } = chooseBackend({ ...process.env, BAMSPROD_KERNELS: "native" });
    backends.push(backend);
    console.log(notice);
  } catch (err) {
    console.log(`native kernels unavailable (${(err as Error).message}); portable only`);
  }
  console.log("model  kernels   images  float eval img/s  packed img/s  packed/float");
  const before = getBackend();
  for (const name of ["bmlp", "bcnn"] as const) {
    const model = buildModel(name, { seed: 1 });
    const packed = loadPacked(encodePacked(compileModel(model)));
    for (const backend of backends) {
      setBackend(backend);
      // The portable float bcnn runs ~100 images/s: fewer images keep the run short.
      const count = Math.min(
        test.count,
        backend === portableBackend && name === "bcnn" ? o.images / 5 : o.images,
      );
      const images = test.images.subarray(0, count * 784);
      const float = best(o.repeats, () => floatPredict(model, images, count));
      const bits = best(o.repeats, () => packed.predict(images, count));
      if (!sameClasses(float.result, bits.result))
        throw new Error(`${name}: packed and float predictions differ`);
      const rate = (s: number): number => count / s;
      console.log(
        `${name.padEnd(6)} ${backend.name.padEnd(9)} ${String(count).padStart(6)}  ${rate(float.seconds).toFixed(0).padStart(16)}  ` +
          `${rate(bits.seconds).toFixed(0).padStart(12)}  ${(float.seconds / bits.seconds).toFixed(2).padStart(11)}x`,
      );
    }
  }
  setBackend(before);
  reportSizes();
}

function parseArgs(args: string[]): Options {
  const o: Options = { images: 5000, repeats: 3 };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--images" && Number.isInteger(value) && value >= 10) o.images = value;
    else if (args[i] === "--repeats" && Number.isInteger(value) && value > 0) o.repeats = value;
    else throw new Error(`bench infer: unknown or invalid option ${args[i]} ${args[i + 1] ?? ""}`);
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

function sameClasses(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
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
