/**
 * `bamsprod/runtime`: inference with packed binary models (.bnn) anywhere JavaScript runs
 * (browsers, workers, bundlers, Node). Its module graph imports no Node built-ins, so esbuild,
 * Vite or webpack take it as is (tested with `esbuild --bundle --platform=browser`); it runs on
 * the portable TypeScript kernels unless a host installs others.
 *
 * @example
 * import { loadPacked, classNames } from "bamsprod/runtime";
 * const model = loadPacked(new Uint8Array(await (await fetch("model.bnn")).arrayBuffer()));
 * const classes = model.predict(pixels, count); // pixels: raw 0..255, NCHW
 * const names = classNames(model.spec);
 */
export { loadPacked, PackedModel, type PixelArray } from "../export/packedModel.js";
export { decodePacked } from "../export/decode.js";
export { classNames } from "../export/classNames.js";
export type { PackedSpec, PackedLayer, PackedKernel } from "../export/format.js";

/** Softmax of each row of `logits` [count, classes] (in double, stored as float32). */
export function probabilities(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[start + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[start + k] - max);
    for (let k = 0; k < classes; k++) out[start + k] = Math.exp(logits[start + k] - max) / sum;
  }
  return out;
}
