/**
 * The built-in models: binary `bmlp` and `bcnn`, and their full-precision twins `mlp` and
 * `cnn` with the same layers, widths and batch-norm placement (only the quantizers and the
 * activation differ), so that a comparison isolates the effect of binarization.
 */
import { BamsprodError, show } from "../util/errors.js";
import { Activation } from "./layers/activation.js";
import { BatchNorm } from "./layers/batchNorm.js";
import { Flatten } from "./layers/flatten.js";
import { MaxPool2D } from "./layers/pooling.js";
import { Conv2D, QuantConv2D } from "./layers/quantConv2d.js";
import { Dense, QuantDense } from "./layers/quantDense.js";
import { Rescale } from "./layers/rescale.js";
import { Sequential } from "./model.js";
import { residualLayers, type ResidualModelOptions } from "./residualModels.js";
import type { QuantizerSpec } from "./quantizers/registry.js";
import type { Layer } from "./types.js";

export const modelNames = ["bmlp", "bcnn", "mlp", "cnn", "birealnet", "reactnet"] as const;
export type ModelName = (typeof modelNames)[number];

export interface BuildOptions extends Omit<ResidualModelOptions, "inputQuantizer" | "kernelQuantizer"> {
  /** Per-sample input shape [C, H, W]. Default [1, 28, 28] (Fashion-MNIST). */
  inputShape?: readonly number[];
  /** Number of classes. Default 10. */
  classes?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  /** Pixel normalization of the first (Rescale) layer. Default mean 0.5, std 0.5: [-1, 1]. */
  normalization?: { mean: number | number[]; std: number | number[] };
  /** Activation of the full-precision twins. Default "relu". */
  activation?: "relu" | "hardtanh";
  /** Quantizer of the binary models' activations (input quantizers). Default "ste_sign" (birealnet, reactnet: "approx_sign"). */
  inputQuantizer?: QuantizerSpec;
  /** Quantizer of the binary models' kernels. Default "ste_sign". */
  kernelQuantizer?: QuantizerSpec;
}

/**
 * Builds a named model taking raw 0..255 pixels.
 *
 * bmlp: Rescale, Flatten, QuantDense 512, BN, QuantDense 512, BN, QuantDense classes, BN.
 *   Every kernel is binary (ste_sign, clip 1), the first layer included: its input is the real
 *   normalized pixels (no input quantizer), so its MACs stay real-valued but its weights still
 *   take one bit. Later layers binarize their input with ste_sign: the sign activation between
 *   layers is the next layer's input quantizer, as in larq. Batch-norm after the last layer
 *   learns the scale of the logits, which +-1 products would otherwise fix at about sqrt(512).
 *   No biases: each dense layer is followed by batch-norm, whose beta is the bias.
 * bcnn: Rescale, then two blocks of [conv 3x3 "same", BN, conv 3x3, max-pool 2, BN] with 32 and
 *   64 filters, Flatten, QuantDense 512, BN, QuantDense classes, BN. Pooling comes before
 *   batch-norm (BinaryNet / larq order), so the max is taken over the pre-activation values.
 *   The first conv's input is real, its kernel binary; all others binarize both.
 * birealnet, reactnet: residual binary networks, see residualModels.ts; `width`, `blocks` and
 *   `scaling` apply to them only.
 * mlp, cnn: the same layers with float kernels, no quantizers, and `activation` (relu) after
 *   each batch-norm except the last, where the binary models apply their sign.
 */
export function buildModel(name: string, options: BuildOptions = {}): Sequential {
  if (!(modelNames as readonly string[]).includes(name)) {
    throw new BamsprodError(`unknown model ${show(name)}; use one of ${modelNames.join(", ")}`);
  }
  const classes = options.classes ?? 10;
  const inputShape = options.inputShape ?? [1, 28, 28];
  const spec =
    name === "birealnet" || name === "reactnet"
      ? [new Rescale(options.normalization ?? {}), ...residualLayers(name, inputShape, classes, options)]
      : layerSpec(name as ModelName, classes, options);
  return new Sequential(spec, {
    inputShape,
    classes,
    seed: options.seed ?? 0,
    name,
  });
}

function layerSpec(name: ModelName, classes: number, o: BuildOptions): Layer[] {
  const binary = name === "bmlp" || name === "bcnn";
  const kernelQuantizer = o.kernelQuantizer ?? "ste_sign";
  const activation = binary ? null : (o.activation ?? "relu");
  const inputQuantizer = (first: boolean): QuantizerSpec | null =>
    first ? null : (o.inputQuantizer ?? "ste_sign");
  const dense = (units: number, first = false): QuantDense =>
    binary
      ? new QuantDense({ units, inputQuantizer: inputQuantizer(first), kernelQuantizer, useBias: false })
      : new Dense({ units, useBias: false });
  const conv = (filters: number, first = false): QuantConv2D =>
    binary
      ? new QuantConv2D({
          filters,
          kernelSize: 3,
          padding: "same",
          inputQuantizer: inputQuantizer(first),
          kernelQuantizer,
          useBias: false,
        })
      : new Conv2D({ filters, kernelSize: 3, padding: "same", useBias: false });
  // The twins' activation sits where the binary models binarize: after each batch-norm but the last.
  const act = (): Layer[] => (activation === null ? [] : [new Activation(activation)]);
  const bn = (): BatchNorm => new BatchNorm();
  const layers: Layer[] = [new Rescale(o.normalization ?? {})];
  if (name === "bmlp" || name === "mlp") {
    layers.push(new Flatten(), dense(512, true), bn(), ...act(), dense(512), bn(), ...act());
  } else {
    layers.push(conv(32, true), bn(), ...act(), conv(32), new MaxPool2D({ poolSize: 2 }), bn(), ...act());
    layers.push(conv(64), bn(), ...act(), conv(64), new MaxPool2D({ poolSize: 2 }), bn(), ...act());
    layers.push(new Flatten(), dense(512), bn(), ...act());
  }
  layers.push(dense(classes), bn());
  return layers;
}
