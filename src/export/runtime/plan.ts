/** Turns a packed model's layer list into the steps that run it. */
import { getBackend, portableKernels, type Kernels } from "../../kernels/index.js";
import type { Conv2DLayer, PackedLayer, PackedSpec, ThresholdLayer } from "../format.js";
import { chainShapes } from "../shapes.js";
import type { Step } from "./activations.js";
import { biasStep, flattenStep, maxPoolStep, rescaleStep, scaleShiftStep } from "./channelwise.js";
import { convStep } from "./conv.js";
import { denseStep } from "./dense.js";
import { signPoolStep } from "./signPool.js";
import { avgPoolStep, residualStep, rpreluStep } from "./residual.js";
import { thresholdStep, type SignLayout } from "./threshold.js";

/** A step with the (first) layer it runs and that layer's per-image input shape. */
export interface PlanStep {
  step: Step;
  layer: PackedLayer;
  inShape: readonly number[];
}

/**
 * The steps running the layers, with the kernels repacked for inference (done once, at load).
 * One step per layer, except that a binary convolution runs the threshold after it (directly,
 * or after a max-pool, which then pools the signs: signPool.ts) and hands on packed signs.
 */
export function buildPlan(spec: PackedSpec): PlanStep[] {
  return buildSteps(spec.layers, spec.inputShape);
}

/** The steps of a list of layers (a model's, or a residual path's) starting from `inputShape`. */
function buildSteps(layers: readonly PackedLayer[], inputShape: readonly number[]): PlanStep[] {
  const shapes = chainShapes(layers, [...inputShape], "layer ");
  const steps: PlanStep[] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const next = layers[i + 1];
    const inShape = i === 0 ? inputShape : shapes[i - 1];
    const fused = thresholdAfter(layers, i);
    if (givesIntegers(layer) && fused !== null) {
      steps.push({ step: convStep(layer, inShape, activeKernels, fused), layer, inShape });
      if (next.type === "max_pool2d")
        steps.push({ step: signPoolStep(next, fused), layer: next, inShape: shapes[i] });
      i += next.type === "max_pool2d" ? 2 : 1;
      continue;
    }
    // A binary convolution on real values binarizes them itself (sign(0) = +1): a threshold at 0
    // packs them straight into its bit layout (the file needs no threshold record for it).
    if (givesIntegers(layer) && layers[i - 1]?.type !== "threshold") {
      const zeros = {
        type: "threshold",
        thresholds: new Float32Array(inShape[0]),
        flip: new Uint8Array(inShape[0]),
      } as const;
      steps.push({ step: thresholdStep(zeros, "pixels"), layer: zeros, inShape });
    }
    const kernels = onlyThresholded(layers, i) ? activeKernels : fixedOrderKernels;
    const step = stepFor(layer, inShape, () => signLayoutFor(layers, i), kernels);
    steps.push({ step, layer, inShape });
  }
  return steps;
}

/** The kernels in use: fast, but their float sums round by CPU, BLAS, call shape and threads. */
const activeKernels = (): Kernels => getBackend().kernels;

/**
 * The portable kernels, whatever kernels are in use: each float sum in one fixed order (double
 * accumulation in blocks of 256), independent of the CPU, the batch and the thread count.
 */
const fixedOrderKernels = (): Kernels => portableKernels;

/**
 * True when the real values a layer computes meet a threshold next and nothing else (a bias,
 * max-pool or flatten in between keeps that). Such a layer runs on the kernels in use, fast:
 * its rounding can only move a value that lies near its threshold (docs/format.md). Every
 * other real-valued layer (a residual stream, the logits) runs on the fixed-order kernels, so
 * the values it passes on, and with them the logits, do not depend on the kernels in use.
 */
function onlyThresholded(layers: readonly PackedLayer[], index: number): boolean {
  let j = index + 1;
  while (layers[j]?.type === "bias" || layers[j]?.type === "max_pool2d" || layers[j]?.type === "flatten") j++;
  const reader = layers[j];
  return (
    reader?.type === "threshold" ||
    ((reader?.type === "dense" || reader?.type === "conv2d") && reader.binaryInput)
  );
}

/** The threshold that follows layer `index` directly or after a max-pool, or null. */
function thresholdAfter(layers: readonly PackedLayer[], index: number): ThresholdLayer | null {
  const next = layers[index + 1];
  const after = next?.type === "max_pool2d" ? layers[index + 2] : next;
  return after?.type === "threshold" ? after : null;
}

/** True for a layer whose outputs are exact integers (both operands +-1). */
function givesIntegers(layer: PackedLayer | undefined): layer is Conv2DLayer {
  return layer?.type === "conv2d" && layer.binaryInput && layer.kernel.kind === "bits";
}

/** The bit layout the layer reading a threshold's output wants (a flatten in between is free). */
function signLayoutFor(layers: readonly PackedLayer[], index: number): SignLayout {
  let j = index + 1;
  while (layers[j]?.type === "flatten") j++;
  const reader = layers[j];
  if (reader === undefined || !("binaryInput" in reader) || !reader.binaryInput) return "signs";
  if (reader.kernel.kind !== "bits") return "signs";
  if (reader.type === "dense") return "rows";
  return j === index + 1 ? "pixels" : "signs";
}

function stepFor(
  layer: PackedLayer,
  inShape: readonly number[],
  layout: () => SignLayout,
  kernels: () => Kernels,
): Step {
  switch (layer.type) {
    case "rescale":
      return rescaleStep(layer);
    case "flatten":
      return flattenStep();
    case "dense":
      return denseStep(layer, kernels);
    case "conv2d":
      return convStep(layer, inShape, kernels);
    case "bias":
      return biasStep(layer);
    case "max_pool2d":
      return maxPoolStep(layer);
    case "threshold":
      return thresholdStep(layer, layout());
    case "scale_shift":
      return scaleShiftStep(layer);
    case "avg_pool2d":
      return avgPoolStep(layer, kernels);
    case "rprelu":
      return rpreluStep(layer);
    case "residual":
      return residualStep(
        buildSteps(layer.body, inShape).map((s) => s.step),
        buildSteps(layer.shortcut, inShape).map((s) => s.step),
      );
  }
}
