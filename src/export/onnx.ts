/**
 * ONNX export of a packed model, with standard operators only (opset 13), so that any ONNX
 * runtime can run it without bamsprod:
 *   rescale      -> Mul, Add (raw pixels in, normalization inside the model)
 *   sign         -> Where(GreaterOrEqual(x, 0), 1, -1)     (sign(0) = +1; ONNX Sign gives 0)
 *   threshold    -> Where(GreaterOrEqual(x, T) [Xor flip], 1, -1)   (batch-norm + sign folded)
 *   dense        -> Gemm(x, W, transB = 1), W the +-1 (or float) kernel [out, in]
 *   +-1 kernel   -> Cast(int8 initializer, to = float)
 *   conv2d       -> Conv (zero padding, as in training)
 *   bias         -> Add;   max_pool2d -> MaxPool;   flatten -> Flatten
 *   scale_shift  -> Mul, Add (a batch-norm kept in float, in float32)
 *   avg_pool2d   -> AveragePool;   rprelu -> Sub, PRelu, Add
 *   residual     -> the body's and the shortcut's nodes from the same input, then Add
 * Outputs: "logits" [N, classes] and "class" = ArgMax(logits) [N] (int64, first maximum on ties).
 *
 * The +-1 kernels are stored as int8 and Cast to float32 (ONNX has no 1-bit tensor type), so
 * the file is about 8x the size of the .bnn. Binary layers give exact integers in any runtime
 * (|sum| < 2^24); the first layer's float sums and the float32 Mul/Add may round differently
 * from bamsprod's double-then-float arithmetic, by an ulp, so predictions can only differ for
 * an image whose first-layer pre-activation sits within an ulp of a threshold.
 */
import type { PackedKernel, PackedLayer, PackedSpec } from "./format.js";
import { unpackSigns } from "./bits.js";
import { chainShapes, layerShapes } from "./shapes.js";
import { CAST_TO_FLOAT, OnnxGraph } from "./onnxGraph.js";

/** The ONNX opset the exported graph declares. */
export const ONNX_OPSET = 13;

interface Cursor {
  value: string;
  /** Per-sample shape of `value`. */
  shape: readonly number[];
  /** True when `value` already holds +-1 (a threshold's output). */
  signs: boolean;
}

/**
 * Serialized ONNX ModelProto computing the packed model: input "pixels" float32 [N, C, H, W]
 * (raw 0..255), outputs "logits" float32 [N, classes] and "class" int64 [N].
 * @example writeFileSync("model.onnx", exportOnnx(compileModel(model)));
 */
export function exportOnnx(spec: PackedSpec, producerVersion = "0.1.0"): Uint8Array {
  layerShapes(spec); // validates the whole model first
  const ctx = contextOf(new OnnxGraph());
  const g = ctx.graph;
  const cursor = translateList(
    ctx,
    spec.layers,
    { value: "pixels", shape: spec.inputShape, signs: false },
    "l",
  );
  const argmax = g.node("ArgMax", [cursor.value], "argmax", { axis: 1, keepdims: 0, select_last_index: 0 });
  return g.encode({
    input: { name: "pixels", dims: [...spec.inputShape] },
    outputs: [
      { name: "logits", from: cursor.value, elemType: "float", dims: [spec.classes] },
      { name: "class", from: argmax, elemType: "int64", dims: [] },
    ],
    opset: ONNX_OPSET,
    producerVersion,
    docString: `bamsprod binary model ${JSON.stringify(spec.info)}; input: raw pixels 0..255 as float32 NCHW`,
  });
}

/** Shape [1, C] or [1, C, 1, 1] broadcasting per-channel constants over [N, C, ...]. */
function channelDims(shape: readonly number[]): number[] {
  return [1, shape[0], ...shape.slice(1).map(() => 1)];
}

/** The graph being built, and scalar constants created once, on first use (no unused initializers). */
interface Context {
  graph: OnnxGraph;
  scalar(value: number): string;
}

function contextOf(graph: OnnxGraph): Context {
  const made = new Map<number, string>();
  return {
    graph,
    scalar(value) {
      let name = made.get(value);
      if (name === undefined) {
        name = graph.floats(value < 0 ? "minus_one" : value === 0 ? "zero" : "one", [], [value]);
        made.set(value, name);
      }
      return name;
    },
  };
}

/** +1 where (x >= threshold) XOR flip, else -1. */
function signOf(ctx: Context, x: string, threshold: string, name: string, flip: string | null): string {
  const ge = ctx.graph.node("GreaterOrEqual", [x, threshold], `${name}_ge`);
  const cond = flip === null ? ge : ctx.graph.node("Xor", [ge, flip], `${name}_xor`);
  return ctx.graph.node("Where", [cond, ctx.scalar(1), ctx.scalar(-1)], `${name}_sign`);
}

/** sign(x) with sign(0) = +1, unless x is already +-1. */
function binarized(ctx: Context, cursor: Cursor, name: string): string {
  return cursor.signs ? cursor.value : signOf(ctx, cursor.value, ctx.scalar(0), name, null);
}

/**
 * A kernel as a float32 graph value: float kernels as they are; +-1 kernels as int8 (4x
 * smaller than float32; ONNX has no 1-bit type) and a Cast, which runtimes fold at load.
 */
function kernelValue(ctx: Context, kernel: PackedKernel, dims: number[], name: string): string {
  if (kernel.kind === "float") return ctx.graph.floats(`${name}_kernel`, dims, kernel.values);
  const signs = unpackSigns(
    kernel.bits,
    dims.reduce((a, b) => a * b, 1),
  );
  const int8 = ctx.graph.int8s(`${name}_kernel_int8`, dims, signs);
  return ctx.graph.node("Cast", [int8], `${name}_kernel`, { to: CAST_TO_FLOAT });
}

/** The nodes of a list of layers from `start`; node names start with `prefix`. */
function translateList(ctx: Context, layers: readonly PackedLayer[], start: Cursor, prefix: string): Cursor {
  const shapes = chainShapes(layers, [...start.shape], "layer ");
  let cursor = start;
  layers.forEach((layer, i) => {
    cursor = { ...translate(ctx, layer, cursor, `${prefix}${i}_${layer.type}`), shape: shapes[i] };
  });
  return cursor;
}

function translate(ctx: Context, layer: PackedLayer, cursor: Cursor, name: string): Omit<Cursor, "shape"> {
  const g = ctx.graph;
  const x = cursor.value;
  const dims = channelDims(cursor.shape);
  switch (layer.type) {
    case "rescale": {
      const scaled = g.node("Mul", [x, g.floats(`${name}_scale`, dims, layer.scale)], name);
      return {
        value: g.node("Add", [scaled, g.floats(`${name}_offset`, dims, layer.offset)], name),
        signs: false,
      };
    }
    case "flatten":
      return { value: g.node("Flatten", [x], name, { axis: 1 }), signs: cursor.signs };
    case "dense": {
      const input = layer.binaryInput ? binarized(ctx, cursor, name) : x;
      const w = kernelValue(ctx, layer.kernel, [layer.outFeatures, layer.inFeatures], name);
      return { value: g.node("Gemm", [input, w], name, { transB: 1 }), signs: false };
    }
    case "conv2d": {
      const input = layer.binaryInput ? binarized(ctx, cursor, name) : x;
      const wDims = [layer.outChannels, layer.inChannels, layer.kernelH, layer.kernelW];
      const w = kernelValue(ctx, layer.kernel, wDims, name);
      const attributes = {
        kernel_shape: [layer.kernelH, layer.kernelW],
        strides: [layer.strideH, layer.strideW],
        pads: [layer.padH, layer.padW, layer.padH, layer.padW],
      };
      return { value: g.node("Conv", [input, w], name, attributes), signs: false };
    }
    case "bias":
      return { value: g.node("Add", [x, g.floats(`${name}_bias`, dims, layer.values)], name), signs: false };
    case "max_pool2d": {
      const attributes = { kernel_shape: [layer.size, layer.size], strides: [layer.stride, layer.stride] };
      return { value: g.node("MaxPool", [x], name, attributes), signs: cursor.signs };
    }
    case "threshold": {
      const t = g.floats(`${name}_thresholds`, dims, layer.thresholds);
      const flip = layer.flip.some((f) => f !== 0) ? g.bools(`${name}_flip`, dims, layer.flip) : null;
      return { value: signOf(ctx, x, t, name, flip), signs: true };
    }
    case "scale_shift": {
      const scaled = g.node("Mul", [x, g.floats(`${name}_scale`, dims, layer.scale)], name);
      return {
        value: g.node("Add", [scaled, g.floats(`${name}_shift`, dims, layer.shift)], name),
        signs: false,
      };
    }
    case "avg_pool2d": {
      const attributes = { kernel_shape: [layer.size, layer.size], strides: [layer.stride, layer.stride] };
      return { value: g.node("AveragePool", [x], name, attributes), signs: false };
    }
    case "rprelu": {
      const shifted = g.node("Sub", [x, g.floats(`${name}_shift_in`, dims, layer.shiftIn)], name);
      const slope = g.floats(`${name}_alpha`, dims.slice(1), layer.alpha);
      const activated = g.node("PRelu", [shifted, slope], name);
      return {
        value: g.node("Add", [activated, g.floats(`${name}_shift_out`, dims, layer.shiftOut)], name),
        signs: false,
      };
    }
    case "residual": {
      const body = translateList(ctx, layer.body, cursor, `${name}_body`);
      const shortcut = translateList(ctx, layer.shortcut, cursor, `${name}_shortcut`);
      return { value: g.node("Add", [body.value, shortcut.value], name), signs: false };
    }
  }
}
