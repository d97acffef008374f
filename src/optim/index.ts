/**
 * The optimizer registry: `createOptimizer(name, options)` and the public optimizer API.
 *
 * ```ts
 * const optimizer = createOptimizer("bamsprod", { lr: 1e-3 });
 * optimizer.step([{ name: "dense/kernel", value: w, grad: dw, binary: true }]);
 * const saved = JSON.stringify(optimizer.stateDict());
 * ```
 */
import { BamsprodError, show } from "../util/errors.js";
import { Adabound, ADABOUND_DEFAULTS, type AdaboundOptions } from "./adabound.js";
import { Adam, ADAM_DEFAULTS, type AdamOptions } from "./adam.js";
import { Amsbound, AMSBOUND_DEFAULTS, type AmsboundOptions } from "./amsbound.js";
import { Amsgrad, AMSGRAD_DEFAULTS, type AmsgradOptions } from "./amsgrad.js";
import { Bamsprod, BAMSPROD_DEFAULTS, type BamsprodOptions } from "./bamsprod.js";
import { Bop, BOP_DEFAULTS, type BopOptions } from "./bop.js";
import { Sgd, SGD_DEFAULTS, type SgdOptions } from "./sgd.js";
import type { OptimizerName } from "./types.js";

/** The optimizer classes by name. */
export interface OptimizerMap {
  sgd: Sgd;
  adam: Adam;
  amsgrad: Amsgrad;
  adabound: Adabound;
  amsbound: Amsbound;
  bop: Bop;
  bamsprod: Bamsprod;
}

/** The options each optimizer accepts, by name. */
export interface OptimizerOptionsMap {
  sgd: SgdOptions;
  adam: AdamOptions;
  amsgrad: AmsgradOptions;
  adabound: AdaboundOptions;
  amsbound: AmsboundOptions;
  bop: BopOptions;
  bamsprod: BamsprodOptions;
}

/** Any of the optimizers. */
export type AnyOptimizer = OptimizerMap[OptimizerName];

const factories: { [N in OptimizerName]: (options: unknown) => OptimizerMap[N] } = {
  sgd: (o) => new Sgd(o as SgdOptions),
  adam: (o) => new Adam(o as AdamOptions),
  amsgrad: (o) => new Amsgrad(o as AmsgradOptions),
  adabound: (o) => new Adabound(o as AdaboundOptions),
  amsbound: (o) => new Amsbound(o as AmsboundOptions),
  bop: (o) => new Bop(o as BopOptions),
  bamsprod: (o) => new Bamsprod(o as BamsprodOptions),
};

/** The names `createOptimizer` accepts. */
export const optimizerNames: readonly OptimizerName[] = Object.freeze(
  Object.keys(factories) as OptimizerName[],
);

/** Every optimizer's default options. */
export const optimizerDefaults: {
  readonly [N in OptimizerName]: Readonly<Required<OptimizerOptionsMap[N]>>;
} = Object.freeze({
  sgd: SGD_DEFAULTS,
  adam: ADAM_DEFAULTS,
  amsgrad: AMSGRAD_DEFAULTS,
  adabound: ADABOUND_DEFAULTS,
  amsbound: AMSBOUND_DEFAULTS,
  bop: BOP_DEFAULTS,
  bamsprod: BAMSPROD_DEFAULTS,
});

/**
 * Creates the optimizer called `name` (one of {@link optimizerNames}) with `options`
 * (defaults for those left out). Unknown names and options, and out-of-range values, throw
 * a BamsprodError that says what is valid.
 */
export function createOptimizer<N extends OptimizerName>(
  name: N,
  options?: OptimizerOptionsMap[N],
): OptimizerMap[N];
export function createOptimizer(name: string, options?: Record<string, unknown>): AnyOptimizer;
export function createOptimizer(name: string, options?: Record<string, unknown>): AnyOptimizer {
  if (!Object.hasOwn(factories, name)) {
    throw new BamsprodError(`unknown optimizer ${show(name)}; valid names are ${optimizerNames.join(", ")}`);
  }
  return factories[name as OptimizerName](options);
}

export { Optimizer, type BaseOptions, type StepContext } from "./base.js";
export type { OptimizerName, ParamTensor, TensorState, TensorSignature } from "./types.js";
export type { OptimizerStateDict, TensorStateRecord } from "./statedict.js";
export type { OptionValue } from "./options.js";
export { Sgd, SGD_DEFAULTS, sgdUpdate, type SgdOptions, type SgdConfig, type SgdScalars } from "./sgd.js";
export {
  Adam,
  ADAM_DEFAULTS,
  adamUpdate,
  type AdamOptions,
  type AdamConfig,
  type AdamScalars,
} from "./adam.js";
export { Amsgrad, AMSGRAD_DEFAULTS, amsgradUpdate, type AmsgradOptions } from "./amsgrad.js";
export {
  Adabound,
  ADABOUND_DEFAULTS,
  adaboundUpdate,
  type AdaboundOptions,
  type AdaboundConfig,
  type AdaboundScalars,
} from "./adabound.js";
export { Amsbound, AMSBOUND_DEFAULTS, amsboundUpdate, type AmsboundOptions } from "./amsbound.js";
export { Bop, BOP_DEFAULTS, bopUpdate, type BopOptions, type BopConfig, type BopScalars } from "./bop.js";
export {
  Bamsprod,
  BAMSPROD_DEFAULTS,
  meanAbs,
  quantizationError,
  quantizationErrorFromSum,
  target,
  lowerBound,
  upperBound,
  type BamsprodOptions,
  type BamsprodConfig,
  type BamsprodScalars,
} from "./bamsprod.js";
export { statisticsPass, projectedUpdate, typescriptUpdate } from "./bamsprodTypescript.js";
export { nativeUpdate, nativeUpdateAlone, type BamsprodTensorStats } from "./bamsprodNative.js";
export { constant, cosine, exponential, stepDecay, warmup, type Schedule } from "./schedules.js";
