/**
 * Every layer type a model file may name, in one table: its options (with their JSON types),
 * the options `config()` reports that the input shape decides (checked, not set), and how to
 * create it. A new layer type registers here (or through `registerLayerType`) and is then
 * available to `modelFromConfig`, `bamsprod train --model FILE.json` and `summary`.
 */
import { BamsprodError, show } from "../util/errors.js";
import { Activation, type ActivationSpec } from "./layers/activation.js";
import { BatchNorm } from "./layers/batchNorm.js";
import { Dropout } from "./layers/dropout.js";
import { Flatten } from "./layers/flatten.js";
import { AvgPool2D, MaxPool2D } from "./layers/pooling.js";
import { PReLU } from "./layers/prelu.js";
import { Conv2D, QuantConv2D, type Padding } from "./layers/quantConv2d.js";
import { Dense, QuantDense } from "./layers/quantDense.js";
import { Rescale } from "./layers/rescale.js";
import { Residual } from "./layers/residual.js";
import { ChannelScale } from "./layers/channelScale.js";
import { RPReLU } from "./layers/rprelu.js";
import { RSign } from "./layers/rsign.js";
import type { QuantizerSpec } from "./quantizers/registry.js";
import type { Layer } from "./types.js";

/** JSON types of layer options; each names what it accepts in error messages. */
export type OptionType =
  | "int"
  | "number"
  | "boolean"
  | "intPair"
  | "numberOrList"
  | "quantizer"
  | "padding"
  | "activation"
  | "null"
  | "layers";

/** Builds nested layers (a residual block's body) from their JSON entries. */
export type ChildBuilder = (entries: unknown, option: string) => Layer[];

export interface LayerType {
  kind: string;
  /** Every option the layer takes (besides `name`), with its JSON type. */
  options: Record<string, OptionType>;
  /** Options that config() reports but the input shape decides: checked against the built layer. */
  derived?: readonly string[];
  /** Options that must be present. */
  required?: readonly string[];
  create(options: Record<string, unknown>, name: string | undefined, children: ChildBuilder): Layer;
}

const quant: Record<string, OptionType> = {
  inputQuantizer: "quantizer",
  kernelQuantizer: "quantizer",
  kernelClip: "number",
  useBias: "boolean",
};
/** The float layers report the quantization options as null (their config() is QuantDense's). */
const noQuant: Record<string, OptionType> = {
  inputQuantizer: "null",
  kernelQuantizer: "null",
  kernelClip: "null",
  useBias: "boolean",
};
const convShape: Record<string, OptionType> = {
  filters: "int",
  kernelSize: "intPair",
  strides: "intPair",
  padding: "padding",
};
const pool: Record<string, OptionType> = { poolSize: "int", strides: "int" };

type Opts = Record<string, unknown>;
const n = (o: Opts, k: string): number => o[k] as number;
const maybe = <T>(o: Opts, k: string): T | undefined => (o[k] === undefined ? undefined : (o[k] as T));

const table = new Map<string, LayerType>();

/** Adds a layer type (or replaces one of the same kind). */
export function registerLayerType(type: LayerType): void {
  table.set(type.kind, type);
}

/** The registered type of `kind`, or undefined. */
export function layerType(kind: string): LayerType | undefined {
  return table.get(kind);
}

/** Names of every registered layer type. */
export function layerKinds(): string[] {
  return [...table.keys()];
}

const builtins: LayerType[] = [
  {
    kind: "rescale",
    options: { mean: "numberOrList", std: "numberOrList" },
    create: (o, name) => new Rescale({ mean: maybe(o, "mean"), std: maybe(o, "std"), name }),
  },
  { kind: "flatten", options: {}, create: (_o, name) => new Flatten({ name }) },
  {
    kind: "quant_dense",
    options: { units: "int", ...quant },
    derived: ["inputDim"],
    required: ["units"],
    create: (o, name) => new QuantDense({ ...quantOptions(o), units: n(o, "units"), name }),
  },
  {
    kind: "dense",
    options: { units: "int", ...noQuant },
    derived: ["inputDim"],
    required: ["units"],
    create: (o, name) => new Dense({ units: n(o, "units"), useBias: maybe(o, "useBias"), name }),
  },
  {
    kind: "quant_conv2d",
    options: { ...convShape, ...quant, inputIsBinary: "boolean" },
    derived: ["inputChannels"],
    required: ["filters", "kernelSize"],
    create: (o, name) =>
      new QuantConv2D({
        ...convOptions(o),
        ...quantOptions(o),
        inputIsBinary: maybe(o, "inputIsBinary"),
        name,
      }),
  },
  {
    kind: "conv2d",
    options: { ...convShape, ...noQuant },
    derived: ["inputChannels"],
    required: ["filters", "kernelSize"],
    create: (o, name) => new Conv2D({ ...convOptions(o), useBias: maybe(o, "useBias"), name }),
  },
  {
    kind: "batch_norm",
    options: { momentum: "number", epsilon: "number", center: "boolean", scale: "boolean" },
    derived: ["channels"],
    create: (o, name) =>
      new BatchNorm({
        momentum: maybe(o, "momentum"),
        epsilon: maybe(o, "epsilon"),
        center: maybe(o, "center"),
        scale: maybe(o, "scale"),
        name,
      }),
  },
  {
    kind: "max_pool2d",
    options: pool,
    create: (o, name) =>
      new MaxPool2D({ poolSize: maybe(o, "poolSize"), strides: maybe(o, "strides"), name }),
  },
  {
    kind: "avg_pool2d",
    options: pool,
    create: (o, name) =>
      new AvgPool2D({ poolSize: maybe(o, "poolSize"), strides: maybe(o, "strides"), name }),
  },
  {
    kind: "activation",
    options: { activation: "activation" },
    required: ["activation"],
    create: (o, name) => new Activation(o.activation as ActivationSpec, { name }),
  },
  {
    kind: "dropout",
    options: { rate: "number" },
    required: ["rate"],
    create: (o, name) => new Dropout({ rate: n(o, "rate"), name }),
  },
  {
    kind: "prelu",
    options: { initialAlpha: "number" },
    create: (o, name) => new PReLU({ initialAlpha: maybe(o, "initialAlpha"), name }),
  },
  {
    kind: "residual",
    options: { block: "layers", shortcut: "layers" },
    required: ["block"],
    create: (o, name, children) =>
      new Residual(children(o.block, "block"), {
        shortcut: o.shortcut === undefined ? [] : children(o.shortcut, "shortcut"),
        name,
      }),
  },
  {
    kind: "rsign",
    options: { quantizer: "quantizer" },
    create: (o, name) => new RSign({ quantizer: maybe<QuantizerSpec>(o, "quantizer") ?? undefined, name }),
  },
  {
    kind: "rprelu",
    options: { initialAlpha: "number" },
    create: (o, name) => new RPReLU({ initialAlpha: maybe(o, "initialAlpha"), name }),
  },
  {
    kind: "channel_scale",
    options: { initialScale: "number" },
    create: (o, name) => new ChannelScale({ initialScale: maybe(o, "initialScale"), name }),
  },
];
for (const type of builtins) registerLayerType(type);

function quantOptions(o: Opts): {
  inputQuantizer?: QuantizerSpec | null;
  kernelQuantizer?: QuantizerSpec | null;
  kernelClip?: null;
  useBias?: boolean;
} {
  return {
    inputQuantizer: maybe(o, "inputQuantizer"),
    kernelQuantizer: maybe(o, "kernelQuantizer"),
    // A number reaches the layer, which refuses it naming the optimizer's clip (its one owner).
    kernelClip: maybe(o, "kernelClip") as null | undefined,
    useBias: maybe(o, "useBias"),
  };
}

function convOptions(o: Opts): {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
} {
  return {
    filters: n(o, "filters"),
    kernelSize: o.kernelSize as number | [number, number],
    strides: maybe(o, "strides"),
    padding: maybe(o, "padding"),
  };
}

const isInt = (v: unknown): boolean => Number.isInteger(v);
const isNumber = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);
const isIntPair = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && v.every(isInt);

/** What each type accepts, and the test. */
const accepts: Record<OptionType, [string, (v: unknown) => boolean]> = {
  int: ["an integer", isInt],
  number: ["a number", isNumber],
  boolean: ["true or false", (v) => typeof v === "boolean"],
  intPair: ["an integer or [h, w]", (v) => isInt(v) || isIntPair(v)],
  numberOrList: [
    "a number or a list of numbers",
    (v) => isNumber(v) || (Array.isArray(v) && v.every(isNumber)),
  ],
  quantizer: [
    'a quantizer name such as "ste_sign", {"name": ..., ...}, or null',
    (v) => v === null || typeof v === "string" || (typeof v === "object" && !Array.isArray(v)),
  ],
  padding: [
    '"same", "valid", an integer or [h, w]',
    (v) => v === "same" || v === "valid" || isInt(v) || isIntPair(v),
  ],
  activation: [
    'an activation name such as "relu" or "ste_sign", or {"name": ..., ...}',
    (v) => typeof v === "string" || (typeof v === "object" && v !== null && !Array.isArray(v)),
  ],
  null: ["null (this layer has no quantizer; use the quant_ layer for one)", (v) => v === null],
  layers: ["a list of layers", Array.isArray],
};

/** Throws unless `value` has the option's JSON type; `where` starts the message. */
export function checkOptionType(where: string, option: string, type: OptionType, value: unknown): void {
  const [what, test] = accepts[type];
  // kernelClip also takes null (no clip).
  if (option === "kernelClip" && value === null) return;
  if (!test(value)) throw new BamsprodError(`${where}: option ${option} must be ${what}, got ${show(value)}`);
}
