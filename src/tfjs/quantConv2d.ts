/**
 * QuantConv2D: a 2-D convolution whose input and kernel may be binarized (larq's QuantConv2D).
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";
import { positiveInt, QuantLayer, type QuantLayerArgs } from "./quantLayer.js";

/** Options of {@link QuantConv2D}. */
export interface QuantConv2DArgs extends QuantLayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Kernel height and width (one number: square). */
  kernelSize: number | [number, number];
  /** Strides (default 1). */
  strides?: number | [number, number];
  /** "valid" (default) or "same" (zero padding, applied after the input quantizer). */
  padding?: "valid" | "same";
}

function pair(owner: string, key: string, value: unknown): [number, number] {
  const [h, w] = Array.isArray(value) ? value : [value, value];
  return [positiveInt(owner, key, h), positiveInt(owner, key, w)];
}

/** Output length of a convolution along one axis (null: unknown). */
function convLength(length: number | null, kernel: number, stride: number, padding: string): number | null {
  if (length === null) return null;
  return padding === "same" ? Math.ceil(length / stride) : Math.ceil((length - kernel + 1) / stride);
}

/**
 * y = activation(conv2d(q_in(x), q_k(W)) + b) on channels-last input [batch, height, width,
 * channels], with W of shape [kh, kw, inChannels, filters] as in `tf.layers.conv2d`.
 */
export class QuantConv2D extends QuantLayer {
  static className = "QuantConv2D";
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: "valid" | "same";

  constructor(args: QuantConv2DArgs) {
    super("QuantConv2D", args);
    this.filters = positiveInt("QuantConv2D", "filters", args.filters);
    this.kernelSize = pair("QuantConv2D", "kernelSize", args.kernelSize);
    this.strides = pair("QuantConv2D", "strides", args.strides ?? 1);
    const padding = args.padding ?? "valid";
    if (padding !== "valid" && padding !== "same") {
      throw new BamsprodError(`QuantConv2D: padding is ${show(padding)}; use "valid" or "same"`);
    }
    this.padding = padding;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 4) {
      throw new BamsprodError(
        `${this.name}: input shape is ${show(shape)}; QuantConv2D takes [batch, height, width, channels]`,
      );
    }
    const channels = positiveInt(this.name, "the input's channel count", shape[3]);
    this.createWeights([...this.kernelSize, channels, this.filters], this.filters);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [
      shape[0],
      convLength(shape[1], this.kernelSize[0], this.strides[0], this.padding),
      convLength(shape[2], this.kernelSize[1], this.strides[1], this.padding),
      this.filters,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.quantizedInput(inputs) as tf.Tensor4D;
      const w = this.quantizedKernel() as tf.Tensor4D;
      return this.finish(tf.conv2d(x, w, this.strides, this.padding));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      ...this.quantConfig(),
    };
  }
}

tf.serialization.registerClass(QuantConv2D);
