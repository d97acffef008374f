/**
 * Shape inference through a packed model: each layer's per-sample output shape, checked
 * against what the layer expects. A mismatch means the layer list is inconsistent (a corrupt
 * or hand-made file), reported with the layer's index and type.
 */
import { BamsprodError } from "../util/errors.js";
import type { PackedLayer, PackedSpec } from "./format.js";

/** Per-sample shape after each layer, in order (the last one is [classes]). */
export function layerShapes(spec: PackedSpec): number[][] {
  const shapes = chainShapes(spec.layers, [...spec.inputShape], "layer ");
  const last = shapes.length === 0 ? [...spec.inputShape] : shapes[shapes.length - 1];
  if (last.length !== 1 || last[0] !== spec.classes) {
    inconsistent(`the last layer outputs [${last.join(", ")}] per image, not [${spec.classes}] class scores`);
  }
  return shapes;
}

/**
 * Per-sample shape after each layer of a list starting from `input`; `where` prefixes the
 * index in errors ("layer 3.body.0" for nested lists).
 */
export function chainShapes(layers: readonly PackedLayer[], input: number[], where: string): number[][] {
  const shapes: number[][] = [];
  let shape = input;
  layers.forEach((layer, index) => {
    const at = `${where}${index}`;
    shape = outputShape(layer, shape, at, (problem) => inconsistent(`${at} (${layer.type}) ${problem}`));
    shapes.push(shape);
  });
  return shapes;
}

function inconsistent(problem: string): never {
  throw new BamsprodError(`packed model is inconsistent: ${problem}`);
}

function outputShape(
  layer: PackedLayer,
  input: number[],
  at: string,
  fail: (problem: string) => never,
): number[] {
  const channels = input[0];
  /** A per-channel layer: `count` values (`what`) for the input's channels; the shape passes through. */
  const perChannel = (count: number, what: string): number[] => {
    if (count !== channels)
      fail(`has ${count} ${what} but its input [${input.join(", ")}] has ${channels} channels`);
    return input;
  };
  switch (layer.type) {
    case "rescale":
      return perChannel(layer.scale.length, "scales");
    case "flatten":
      return [input.reduce((a, b) => a * b, 1)];
    case "dense":
      if (input.length !== 1 || input[0] !== layer.inFeatures) {
        fail(`expects ${layer.inFeatures} input features but receives [${input.join(", ")}]`);
      }
      return [layer.outFeatures];
    case "conv2d":
      return convShape(layer, input, fail);
    case "bias":
      return perChannel(layer.values.length, "biases");
    case "max_pool2d":
    case "avg_pool2d":
      return poolShape(layer.size, layer.stride, input, fail);
    case "threshold":
      return perChannel(layer.thresholds.length, "thresholds");
    case "scale_shift":
      return perChannel(layer.scale.length, "scales");
    case "rprelu":
      return perChannel(layer.alpha.length, "slopes");
    case "residual":
      return residualShape(layer, input, at, fail);
  }
}

function residualShape(
  layer: Extract<PackedLayer, { type: "residual" }>,
  input: number[],
  at: string,
  fail: (problem: string) => never,
): number[] {
  const last = (path: "body" | "shortcut"): number[] =>
    chainShapes(layer[path], input, `${at}.${path}.`).at(-1) ?? input;
  const body = last("body");
  const shortcut = last("shortcut");
  if (body.join(",") !== shortcut.join(",")) {
    fail(`adds a body output [${body.join(", ")}] to a shortcut output [${shortcut.join(", ")}]`);
  }
  return body;
}

function convShape(
  layer: Extract<PackedLayer, { type: "conv2d" }>,
  input: number[],
  fail: (problem: string) => never,
): number[] {
  if (input.length !== 3 || input[0] !== layer.inChannels) {
    fail(`expects [${layer.inChannels}, H, W] but receives [${input.join(", ")}]`);
  }
  const oh = Math.floor((input[1] + 2 * layer.padH - layer.kernelH) / layer.strideH) + 1;
  const ow = Math.floor((input[2] + 2 * layer.padW - layer.kernelW) / layer.strideW) + 1;
  if (oh < 1 || ow < 1) fail(`has a kernel larger than its padded input [${input.join(", ")}]`);
  return [layer.outChannels, oh, ow];
}

function poolShape(
  size: number,
  stride: number,
  input: number[],
  fail: (problem: string) => never,
): number[] {
  if (input.length !== 3 || input[1] < size || input[2] < size) {
    fail(`cannot pool [${input.join(", ")}] with ${size}x${size} windows`);
  }
  const out = (n: number): number => Math.floor((n - size) / stride) + 1;
  return [input[0], out(input[1]), out(input[2])];
}
