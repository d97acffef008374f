/**
 * The per-channel and shape layers of packed inference. Each reproduces the training engine's
 * evaluation arithmetic to the bit: float32 results of double-precision expressions, rounded
 * once, as the engine's ops store them in Float32Arrays. The loops are plain functions of
 * typed arrays and numbers, which V8 compiles to tight machine code.
 */
import type { BiasLayer, MaxPool2DLayer, RescaleLayer, ScaleShiftLayer } from "../format.js";
import { asValues, sampleSize, type Step } from "./activations.js";
import { Scratch } from "./scratch.js";

/** y[n, c, s] = fround(x[n, c, s] * a[c] + b[c]), with a missing `a` meaning 1. */
function affine(
  x: Float32Array,
  batch: number,
  channels: number,
  spatial: number,
  a: Float32Array | Float64Array | null,
  b: Float32Array | Float64Array,
  y: Float32Array,
): void {
  let i = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const m = a === null ? 1 : a[c];
      const s = b[c];
      for (const end = i + spatial; i < end; i++) y[i] = x[i] * m + s;
    }
  }
}

/** A step applying `affine` with per-channel constants. */
function affineStep(a: Float32Array | Float64Array | null, b: Float32Array | Float64Array): Step {
  const scratch = new Scratch();
  return {
    run(input, batch) {
      const x = asValues(input, batch);
      const y = scratch.floats(0, x.length);
      const channels = input.shape[0];
      affine(x, batch, channels, sampleSize(input.shape) / channels, a, b, y);
      return { kind: "values", data: y, shape: input.shape };
    },
  };
}

/** y = fround(x * scale + offset) per channel: the Rescale layer's arithmetic. */
export function rescaleStep(layer: RescaleLayer): Step {
  return affineStep(layer.scale, layer.offset);
}

/** y = fround(x + bias): the float32 bias addition of the engine's dense and conv ops. */
export function biasStep(layer: BiasLayer): Step {
  return affineStep(null, layer.values);
}

/** y = fround(x * scale + shift) with double scale and shift: evaluation-mode batch-norm. */
export function scaleShiftStep(layer: ScaleShiftLayer): Step {
  return affineStep(layer.scale, layer.shift);
}

/**
 * [C, H, W] -> [C*H*W]: only the shape changes. Signs packed per pixel pass unchanged with
 * their [C, H, W] shape, which says how to read them (asSigns gives the flattened C, H, W
 * order); a binary dense layer reads them as they are (dense.ts).
 */
export function flattenStep(): Step {
  return {
    run(input) {
      if (input.kind === "pixels") return input;
      return { ...input, shape: [sampleSize(input.shape)] };
    },
  };
}

/** Maximum of each window (exact on any float32 values, integer sums included). */
export function maxPoolStep(layer: MaxPool2DLayer): Step {
  const scratch = new Scratch();
  return {
    run(input, batch) {
      const [channels, height, width] = input.shape;
      const outH = Math.floor((height - layer.size) / layer.stride) + 1;
      const outW = Math.floor((width - layer.size) / layer.stride) + 1;
      const y = scratch.floats(0, batch * channels * outH * outW);
      const geometry = { planes: batch * channels, height, width, outH, outW };
      maxPool(asValues(input, batch), geometry, layer.size, layer.stride, y);
      return { kind: "values", data: y, shape: [channels, outH, outW] };
    },
  };
}

function maxPool(
  x: Float32Array,
  g: { planes: number; height: number; width: number; outH: number; outW: number },
  size: number,
  stride: number,
  y: Float32Array,
): void {
  let o = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    const base = plane * g.height * g.width;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o++) {
        const corner = base + oh * stride * g.width + ow * stride;
        // The first value of the window starts the search, as the engine's kernels do.
        let best = x[corner];
        for (let kh = 0; kh < size; kh++) {
          const row = corner + kh * g.width;
          for (let kw = 0; kw < size; kw++) {
            const v = x[row + kw];
            best = v > best ? v : best; // a select, not a branch: the maxima are data
          }
        }
        y[o] = best;
      }
    }
  }
}
