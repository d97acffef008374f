/**
 * `npm run bench -- tfjs [--steps K]`: the TensorFlow.js adapter's optimizers against
 * `tf.train.adam`, on the CPU and WebAssembly backends. Each optimizer steps one binary 784x128
 * kernel (100k weights, marked binary with `isBinary`) with a fixed gradient through
 * `applyGradients`; the time per step is the best of 3 runs of K steps (default 20), after a
 * warm-up, each run ending with a read of the weights so the backend has finished. Printed per
 * backend: ms per step and the ratio to Adam's in the same run.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { AMSBound, AMSGrad, AdaBound, BAMSProd, Bop } from "../src/tfjs/index.js";
import { Rng } from "../src/util/random.js";
import { BamsprodError } from "../src/util/errors.js";

const optimizers: [string, () => tf.Optimizer][] = [
  ["tf.train.adam", () => tf.train.adam(1e-3)],
  ["AMSGrad", () => new AMSGrad({ isBinary: () => true })],
  ["AdaBound", () => new AdaBound({ isBinary: () => true })],
  ["AMSBound", () => new AMSBound({ isBinary: () => true })],
  ["BAMSProd", () => new BAMSProd({ isBinary: () => true })],
  ["Bop", () => new Bop({ isBinary: () => true })],
];

function parseSteps(args: string[]): number {
  const i = args.indexOf("--steps");
  const steps = i >= 0 ? Number(args[i + 1]) : 20;
  if (!Number.isSafeInteger(steps) || steps < 1)
    throw new BamsprodError("bench tfjs: --steps needs a whole number >= 1");
  return steps;
}

/** Best milliseconds per step over 3 runs of `steps` steps. */
function timeSteps(make: () => tf.Optimizer, steps: number, values: Float32Array, grad: tf.Tensor): number {
  const w = tf.variable(tf.tensor2d(values, [784, 128]), true, "bench/kernel");
  const optimizer = make();
  const step = (): void => optimizer.applyGradients({ [w.name]: grad });
  step();
  w.dataSync();
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    for (let k = 0; k < steps; k++) step();
    w.dataSync();
    best = Math.min(best, (performance.now() - start) / steps);
  }
  optimizer.dispose();
  w.dispose();
  return best;
}

export default async function bench(args: string[]): Promise<void> {
  const steps = parseSteps(args);
  const rng = new Rng(1);
  const values = Float32Array.from({ length: 784 * 128 }, () => 0.1 * rng.normal());
  const gradValues = Float32Array.from({ length: 784 * 128 }, () => 0.01 * rng.normal());
  console.log(`tfjs bench: one binary 784x128 kernel, best of 3 x ${steps} steps, ms per step (x Adam)`);
  console.log(`${"optimizer".padEnd(14)}${["cpu", "wasm"].map((b) => b.padStart(18)).join("")}`);
  const rows = optimizers.map(([name]) => [name.padEnd(14)]);
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    await tf.ready();
    const grad = tf.tensor2d(gradValues, [784, 128]);
    const times = optimizers.map(([, make]) => timeSteps(make, steps, values, grad));
    grad.dispose();
    times.forEach((ms, i) => rows[i].push(`${ms.toFixed(2)} (${(ms / times[0]).toFixed(2)}x)`.padStart(18)));
  }
  for (const row of rows) console.log(row.join(""));
}
