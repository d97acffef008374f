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
import { AdaBound, type AdaBoundOptions } from "./adabound.js";
import { Adam, type AdamOptions } from "./adam.js";
import { AMSBound, type AMSBoundOptions } from "./amsbound.js";
import { AMSGrad, type AMSGradOptions } from "./amsgrad.js";
import { Bamsprod, type BamsprodOptions } from "./bamsprod.js";
import { Bop, type BopOptions } from "./bop.js";
import { defaultsOf, OPTION_TABLES, type OptimizerConfig, type OptimizerOptions } from "./defaults.js";
import { Sgd, type SgdOptions } from "./sgd.js";
import type { OptimizerName } from "./types.js";

/** The optimizer classes by name. */
export interface OptimizerMap {
  sgd: Sgd;
  adam: Adam;
  amsgrad: AMSGrad;
  adabound: AdaBound;
  amsbound: AMSBound;
  bop: Bop;
  bamsprod: Bamsprod;
}

/** The options each optimizer accepts, by name. */
export type OptimizerOptionsMap = { [N in OptimizerName]: OptimizerOptions<N> };

/** Any of the optimizers. */
export type AnyOptimizer = OptimizerMap[OptimizerName];

const factories: { [N in OptimizerName]: (options: unknown) => OptimizerMap[N] } = {
  sgd: (o) => new Sgd(o as SgdOptions),
  adam: (o) => new Adam(o as AdamOptions),
  amsgrad: (o) => new AMSGrad(o as AMSGradOptions),
  adabound: (o) => new AdaBound(o as AdaBoundOptions),
  amsbound: (o) => new AMSBound(o as AMSBoundOptions),
  bop: (o) => new Bop(o as BopOptions),
  bamsprod: (o) => new Bamsprod(o as BamsprodOptions),
};

/** The names `createOptimizer` accepts. */
export const optimizerNames: readonly OptimizerName[] = Object.freeze(
  Object.keys(factories) as OptimizerName[],
);

/** Every optimizer's default options. */
export const optimizerDefaults: { readonly [N in OptimizerName]: Readonly<OptimizerConfig<N>> } =
  Object.freeze(
    Object.fromEntries(optimizerNames.map((name) => [name, defaultsOf(OPTION_TABLES[name])])) as {
      [N in OptimizerName]: OptimizerConfig<N>;
    },
  );

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
export type { OptionValue, OptionSpec, OptionTable, Rule, TensorKind } from "./options.js";
// The option tables, every optimizer's *_DEFAULTS and the option types (listed by name once, in
// src/index.ts's public exports).
export * from "./defaults.js";
export { Sgd, sgdUpdate, type SgdOptions, type SgdConfig, type SgdScalars } from "./sgd.js";
export {
  Adam,
  adamUpdate,
  adamFamilyUpdate,
  type AdamOptions,
  type AdamConfig,
  type AdamScalars,
} from "./adam.js";
export { AMSGrad, Amsgrad, amsgradUpdate, type AMSGradOptions, type AmsgradOptions } from "./amsgrad.js";
export {
  AdaBound,
  Adabound,
  adaboundUpdate,
  boundedUpdate,
  type AdaBoundOptions,
  type AdaboundOptions,
  type AdaboundConfig,
  type AdaboundScalars,
} from "./adabound.js";
export {
  AMSBound,
  Amsbound,
  amsboundUpdate,
  type AMSBoundOptions,
  type AmsboundOptions,
} from "./amsbound.js";
export { Bop, bopUpdate, type BopOptions, type BopConfig, type BopScalars } from "./bop.js";
export {
  /** BAMSProd, the name the TensorFlow.js adapter uses too. */
  Bamsprod as BAMSProd,
  /** @deprecated Use BAMSProd (the TensorFlow.js adapter's name). */
  Bamsprod,
  meanAbs,
  quantizationError,
  quantizationErrorFromSum,
  target,
  lowerBound,
  upperBound,
  type BamsprodOptions as BAMSProdOptions,
  type BamsprodOptions,
  type BamsprodConfig,
  type BamsprodScalars,
} from "./bamsprod.js";
export { statisticsPass, projectedUpdate, typescriptUpdate } from "./bamsprodTypescript.js";
export { fusedUpdate, fusedUpdateAlone, type BamsprodTensorStats } from "./bamsprodFused.js";
export { constant, cosine, exponential, stepDecay, warmup, type Schedule } from "./schedules.js";
