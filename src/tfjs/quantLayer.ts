/**
 * What QuantDense and QuantConv2D share: the quantizer, constraint, initializer, bias and
 * activation options, creating and registering the kernel, and the common config.
 */
import * as tf from "@tensorflow/tfjs";
import { BamsprodError, show } from "../util/errors.js";
import {
  type ActivationName,
  type ConstraintIdentifier,
  type Initializer,
  type InitializerIdentifier,
  activate,
  activationName,
  optionalString,
  resolveConstraint,
  resolveInitializer,
  serializeObject,
} from "./layerUtil.js";
import { getQuantizer, quantizerName, type QuantizerName } from "./quantizers.js";
import { markBinary, setVariableConstraint, type VariableConstraint } from "./registry.js";

/** The base options of a tfjs layer (name, inputShape, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Options shared by {@link QuantDense} and {@link QuantConv2D} (larq's names, in camelCase). */
export interface QuantLayerArgs extends LayerArgs {
  /** Quantizer applied to the layer's input (default null: none, e.g. for the first layer). */
  inputQuantizer?: QuantizerName | null;
  /** Quantizer applied to the kernel; when set the kernel counts as binary (default null). */
  kernelQuantizer?: QuantizerName | null;
  /**
   * A tfjs constraint on the latent kernel, applied by the bamsprod optimizers after each update.
   * Not for the latent-weight clip, which is the optimizer's `clip` option ("weight_clip" and
   * WeightClip are still read, for larq-style and saved configs, but are deprecated).
   */
  kernelConstraint?: ConstraintIdentifier | null;
  /**
   * Removed: the optimizer's `clip` keeps binary latent weights in [-clip, clip]. Only null (or
   * leaving it out) is accepted, as in the core layers.
   * @deprecated
   */
  kernelClip?: null;
  /** Kernel initializer (default "glorotUniform"). */
  kernelInitializer?: InitializerIdentifier;
  /** Bias initializer (default "zeros"). */
  biasInitializer?: InitializerIdentifier;
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Activation (default "linear"). */
  activation?: ActivationName | null;
}

type Constraint = VariableConstraint & tf.serialization.Serializable;

export abstract class QuantLayer extends tf.layers.Layer {
  readonly inputQuantizer: QuantizerName | null;
  readonly kernelQuantizer: QuantizerName | null;
  readonly kernelConstraint: Constraint | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly useBias: boolean;
  readonly activation: ActivationName;
  protected kernel: tf.LayerVariable | null = null;
  protected bias: tf.LayerVariable | null = null;

  protected constructor(owner: string, args: QuantLayerArgs) {
    super(args);
    const input = optionalString(owner, "inputQuantizer", args.inputQuantizer);
    const kernel = optionalString(owner, "kernelQuantizer", args.kernelQuantizer);
    this.inputQuantizer = input === null ? null : quantizerName(input);
    if (this.inputQuantizer === "magnitude_aware_sign") {
      throw new BamsprodError(
        `${owner}: "magnitude_aware_sign" scales per output channel and only works as a kernelQuantizer; ` +
          `use ste_sign as inputQuantizer`,
      );
    }
    this.kernelQuantizer = kernel === null ? null : quantizerName(kernel);
    this.kernelConstraint = resolveConstraint(owner, args.kernelConstraint, args.kernelClip);
    this.kernelInitializer = resolveInitializer(owner, args.kernelInitializer ?? "glorotUniform");
    this.biasInitializer = resolveInitializer(owner, args.biasInitializer ?? "zeros");
    this.useBias = args.useBias ?? true;
    this.activation = activationName(owner, args.activation);
  }

  /** Creates the kernel and bias, and tells the optimizers whether the kernel is binary. */
  protected createWeights(kernelShape: number[], biasSize: number): void {
    this.kernel = this.addWeight(
      "kernel",
      kernelShape,
      "float32",
      this.kernelInitializer,
      undefined,
      true,
      // tfjs applies it on LayerVariable.write only; the bamsprod optimizers apply it per step.
      (this.kernelConstraint ?? undefined) as Parameters<tf.layers.Layer["addWeight"]>[6],
    );
    const variable = this.kernel.read() as tf.Variable;
    markBinary(variable, this.kernelQuantizer !== null);
    setVariableConstraint(variable, this.kernelConstraint);
    if (this.useBias) {
      this.bias = this.addWeight("bias", [biasSize], "float32", this.biasInitializer, undefined, true);
    }
    this.built = true;
  }

  /** The input as the layer sees it (quantized when inputQuantizer is set). */
  protected quantizedInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return this.inputQuantizer === null ? x : getQuantizer(this.inputQuantizer)(x);
  }

  /** The kernel as the layer uses it (quantized when kernelQuantizer is set). */
  protected quantizedKernel(): tf.Tensor {
    if (this.kernel === null) throw new BamsprodError(`${this.name}: layer used before it was built`);
    const w = this.kernel.read();
    return this.kernelQuantizer === null ? w : getQuantizer(this.kernelQuantizer)(w);
  }

  /** Adds the bias and applies the activation. */
  protected finish(y: tf.Tensor): tf.Tensor {
    const biased = this.bias === null ? y : tf.add(y, this.bias.read());
    return activate(this.activation, biased);
  }

  /** The shared part of the layer config. */
  protected quantConfig(): tf.serialization.ConfigDict {
    return {
      inputQuantizer: this.inputQuantizer,
      kernelQuantizer: this.kernelQuantizer,
      kernelConstraint: this.kernelConstraint === null ? null : serializeObject(this.kernelConstraint),
      kernelInitializer: serializeObject(this.kernelInitializer),
      biasInitializer: serializeObject(this.biasInitializer),
      useBias: this.useBias,
      activation: this.activation,
    };
  }
}

/** Checks a positive integer layer option. */
export function positiveInt(owner: string, key: string, value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  throw new BamsprodError(`${owner}: ${key} is ${show(value)}; give a positive integer`);
}
