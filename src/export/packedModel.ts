/** A loaded packed model: raw pixels in, logits and predicted classes out. */
import { BamsprodError, show } from "../util/errors.js";
import { decodePacked, INFERENCE_CHUNK } from "./decode.js";
import type { PackedSpec } from "./format.js";
import type { Activations } from "./runtime/activations.js";
import { asValues } from "./runtime/activations.js";
import { CertaintyCheck } from "./runtime/certainty.js";
import { buildPlan, type PlanStep } from "./runtime/plan.js";

/** Images per chunk of inference: bounds the memory of the convolutions' bit matrices. */
const MAX_CHUNK = INFERENCE_CHUNK;

/** Raw pixel values 0..255, NCHW, as bytes or as floats. */
export type PixelArray = Float32Array | Uint8Array;

/**
 * Inference with a packed binary model (see {@link loadPacked}). Layers with +-1 inputs and
 * 1-bit kernels run as XNOR + popcount on packed words; a real-valued first layer runs the
 * engine's float kernels on its +-1 kernel, exactly as evaluation mode does.
 */
export class PackedModel {
  readonly spec: PackedSpec;
  /** Per-image input shape [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  private readonly steps: PlanStep[];

  constructor(spec: PackedSpec) {
    this.spec = spec;
    this.inputShape = spec.inputShape;
    this.classes = spec.classes;
    this.steps = buildPlan(spec);
  }

  /**
   * Logits [count, classes] (row-major) of `count` images of raw pixels 0..255, NCHW.
   * @throws BamsprodError when `images` is not a Float32Array or Uint8Array of count*C*H*W values.
   */
  logits(images: PixelArray, count?: number): Float32Array {
    return this.run(images, count, null);
  }

  /**
   * Per image, 1 when its logits do not depend on how the float kernels order the sums of the
   * real-valued layers (no value of such a layer lies within rounding distance of the threshold
   * it meets), so they equal evaluation mode's on any CPU, BLAS, batch size and thread count;
   * 0 when they may differ there (docs/format.md, "What the packed model promises").
   */
  certain(images: PixelArray, count?: number): Uint8Array {
    const uncertain = new Uint8Array(checkImages(images, count, this.inputShape));
    this.run(images, count, uncertain);
    return uncertain.map((u) => 1 - u);
  }

  /** The logits; sets uncertain[n] for the images `certain` excludes when `uncertain` is given. */
  private run(images: PixelArray, count: number | undefined, uncertain: Uint8Array | null): Float32Array {
    const n = checkImages(images, count, this.inputShape);
    const pixels = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    const out = new Float32Array(n * this.classes);
    const chunks = Math.ceil(n / MAX_CHUNK);
    // Near-equal chunks: no tiny last chunk (a float library may round differently for 1 or 2 rows).
    const size = chunks === 0 ? 0 : Math.ceil(n / chunks);
    for (let start = 0; start < n; start += size) {
      const batch = Math.min(size, n - start);
      const x = Float32Array.from(images.subarray(start * pixels, (start + batch) * pixels));
      const check = uncertain === null ? null : new CertaintyCheck(uncertain.subarray(start, start + batch));
      let a: Activations = { kind: "values", data: x, shape: this.inputShape };
      for (const { step, layer, inShape } of this.steps) {
        check?.see(layer, inShape, a, batch);
        a = step.run(a, batch);
      }
      check?.finish();
      out.set(asValues(a, batch), start * this.classes);
    }
    return out;
  }

  /** Predicted class of each image: the index of its largest logit (the first one on ties). */
  predict(images: PixelArray, count?: number): Int32Array {
    const logits = this.logits(images, count);
    const n = logits.length / this.classes;
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let k = 1; k < this.classes; k++) {
        if (logits[r * this.classes + k] > logits[r * this.classes + best]) best = k;
      }
      out[r] = best;
    }
    return out;
  }
}

/**
 * Loads a .bnn file (see docs/format.md) for inference.
 * @param bytes the file's contents; `name` (e.g. its path) starts error messages.
 * @throws BamsprodError for a file that is not a valid .bnn of a supported version.
 * @example
 * const model = loadPacked(readFileSync("model.bnn"));
 * const classes = model.predict(testSet.images, testSet.count);
 */
export function loadPacked(bytes: Uint8Array, name?: string): PackedModel {
  return new PackedModel(decodePacked(bytes, name));
}

function checkImages(images: unknown, count: number | undefined, shape: readonly number[]): number {
  const pixels = shape[0] * shape[1] * shape[2];
  const expected = `[N, ${shape.join(", ")}] (N images of ${shape.join("x")} raw pixels 0..255, NCHW)`;
  if (!(images instanceof Float32Array || images instanceof Uint8Array)) {
    const got =
      images === null ? "null" : typeof images === "object" ? images.constructor.name : typeof images;
    throw new BamsprodError(`images must be a Float32Array or Uint8Array of shape ${expected}, got ${got}`);
  }
  if (count === undefined) {
    if (images.length % pixels !== 0) {
      throw new BamsprodError(
        `images hold ${images.length} values, not a whole number of ${pixels}-value images; expected shape ${expected}`,
      );
    }
    return images.length / pixels;
  }
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new BamsprodError(`image count must be a non-negative integer, got ${show(count)}`);
  }
  if (images.length !== count * pixels) {
    throw new BamsprodError(
      `images hold ${images.length} values but ${count} images of shape [${shape.join(", ")}] need ${count * pixels}; expected shape ${expected}`,
    );
  }
  return count;
}
