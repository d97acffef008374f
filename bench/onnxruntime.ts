/**
 * Packed inference (.bnn, native kernels) against onnxruntime-node running the same model's
 * ONNX export (CPU execution provider), part of `npm run bench -- infer`: the same images, the
 * same thread count, batch 1 (one call per image) and batch 256.
 */
import { kernelInfo } from "../src/kernels/select.js";
import { compileModel, encodePacked, exportOnnx, loadPacked } from "../src/export/index.js";
import type { Backend } from "../src/kernels/index.js";
import { buildModel } from "../src/nn/index.js";

type Ort = typeof import("onnxruntime-node");

/** A batch size's images per second for both runtimes, and whether they predicted the same classes. */
interface Rates {
  packed: number;
  onnx: number;
  agree: number;
}

export async function againstOnnxRuntime(
  images: Uint8Array,
  count: number,
  repeats: number,
  backend: Backend,
): Promise<void> {
  let ort: Ort;
  try {
    ort = await import("onnxruntime-node");
  } catch (err) {
    console.log(`\nonnxruntime-node unavailable (${(err as Error).message}); skipped`);
    return;
  }
  const threads = kernelInfo().threads;
  console.log(
    `\npacked .bnn (${backend.name} backend) vs onnxruntime-node ${ort.env.versions.common} (CPU, ${threads} intra-op threads), ${count} images`,
  );
  console.log("model  batch  packed img/s  onnxruntime img/s  packed/onnxruntime  same classes");
  for (const name of ["bmlp", "bcnn"] as const) {
    const spec = compileModel(buildModel(name, { seed: 1 }));
    const packed = loadPacked(encodePacked(spec));
    const session = await ort.InferenceSession.create(exportOnnx(spec), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
    for (const batch of [1, 256]) {
      // Batch 1 is per-call overhead: fewer images keep it short.
      const n = batch === 1 ? Math.min(count, 1000) : count;
      const r = await rates(ort, session, packed, images, n, batch, repeats);
      console.log(
        `${name.padEnd(6)} ${String(batch).padStart(5)}  ${r.packed.toFixed(0).padStart(12)}  ${r.onnx.toFixed(0).padStart(17)}  ${(r.packed / r.onnx).toFixed(2).padStart(17)}x  ${r.agree}/${n}`,
      );
    }
    await session.release();
  }
}

async function rates(
  ort: Ort,
  session: import("onnxruntime-node").InferenceSession,
  packed: ReturnType<typeof loadPacked>,
  images: Uint8Array,
  n: number,
  batch: number,
  repeats: number,
): Promise<Rates> {
  const pixels = 784;
  const floats = Float32Array.from(images.subarray(0, n * pixels));
  const ours = new Int32Array(n);
  const theirs = new Int32Array(n);
  const runPacked = (): void => {
    for (let s = 0; s < n; s += batch) {
      const b = Math.min(batch, n - s);
      ours.set(packed.predict(floats.subarray(s * pixels, (s + b) * pixels), b), s);
    }
  };
  const runOnnx = async (): Promise<void> => {
    for (let s = 0; s < n; s += batch) {
      const b = Math.min(batch, n - s);
      const input = new ort.Tensor("float32", floats.subarray(s * pixels, (s + b) * pixels), [b, 1, 28, 28]);
      const out = await session.run({ pixels: input });
      const classes = out.class.data as BigInt64Array;
      for (let i = 0; i < b; i++) theirs[s + i] = Number(classes[i]);
    }
  };
  let packedSeconds = Infinity;
  let onnxSeconds = Infinity;
  runPacked(); // warm-up
  await runOnnx();
  for (let r = 0; r < repeats; r++) {
    let start = performance.now();
    runPacked();
    packedSeconds = Math.min(packedSeconds, (performance.now() - start) / 1000);
    start = performance.now();
    await runOnnx();
    onnxSeconds = Math.min(onnxSeconds, (performance.now() - start) / 1000);
  }
  let agree = 0;
  for (let i = 0; i < n; i++) if (ours[i] === theirs[i]) agree++;
  return { packed: n / packedSeconds, onnx: n / onnxSeconds, agree };
}
