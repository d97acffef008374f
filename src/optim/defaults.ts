/**
 * The option table of every optimizer: each option's name, default, allowed range, help text
 * and the tensors it acts on, in one place. Everything else is derived from here: the core
 * optimizers' option checking and defaults (and their option types), the TensorFlow.js
 * adapter's options, the `bamsprod train` flags and their help, the `compare --grid` parser and
 * the option tables of docs/optimizers.md (checked by test/optim/docs.test.ts). Adding an
 * option to an optimizer is one line here (plus the line of the algorithm that uses it).
 *
 * The module's only runtime import is the rules (options.ts, which imports util/errors.ts):
 * the TensorFlow.js adapter, which must load in a browser, takes its tables from here too.
 */
import {
  clipRule,
  fraction,
  nonNegative,
  positive,
  rate,
  type ConfigOf,
  type OptionSpec,
  type OptionsOf,
  type OptionTable,
  type Rule,
  type TensorKind,
} from "./options.js";
import type { OptimizerName } from "./types.js";

function option(fallback: number, rule: Rule, help: string, tensors: TensorKind = "all"): OptionSpec<number> {
  return Object.freeze({ default: fallback, rule, help, tensors });
}

const lr = (fallback: number): OptionSpec<number> => option(fallback, positive, "learning rate (alpha)");
const beta1 = option(0.9, fraction, "first-moment decay");
const beta2 = option(0.999, fraction, "second-moment decay");
const eps = option(1e-8, positive, "added to the denominator");
const weightDecay = option(0, nonNegative, "decoupled weight decay: x <- x * (1 - lr*weightDecay) first");
/** Line 11 of the spec: the projection of binary latent weights. */
const clip: OptionSpec<number | null> = Object.freeze({
  default: 1,
  rule: clipRule,
  help: 'binary tensors\' latent weights are kept in [-clip, clip] (null, "none" as a flag: no clip)',
  tensors: "binary",
});
/** Bop's Adam acts on real tensors only. */
const real = (spec: OptionSpec<number>): OptionSpec<number> => Object.freeze({ ...spec, tensors: "real" });

const ADAM_TABLE = Object.freeze({ lr: lr(1e-3), beta1, beta2, eps, weightDecay, clip });

const ADABOUND_TABLE = Object.freeze({
  lr: lr(1e-3),
  beta1,
  beta2,
  eps,
  finalLr: option(
    0.1,
    positive,
    "the step size both bounds converge to (for the initial lr; a schedule scales it)",
  ),
  gamma: option(1e-3, positive, "speed at which the bounds close in"),
  weightDecay,
  clip,
});

const BOP_TABLE = Object.freeze({
  gamma: option(1e-4, rate, "adaptivity rate of the gradient's moving average m", "binary"),
  threshold: option(1e-8, nonNegative, "a binary weight flips when |m| exceeds this", "binary"),
  lr: real(lr(1e-3)),
  beta1: real(beta1),
  beta2: real(beta2),
  eps: real(eps),
  weightDecay: real(weightDecay),
});

const SGD_TABLE = Object.freeze({
  lr: lr(0.01),
  momentum: option(0, fraction, "heavy-ball momentum (0: plain SGD)"),
  weightDecay,
  clip,
});

const BAMSPROD_TABLE = Object.freeze({
  lr: lr(1e-3),
  beta1,
  beta2,
  eps,
  gamma: option(1e-3, positive, "speed at which the bounds close in on the target"),
  lam: option(1, nonNegative, "weight of the quantization error in the target (0: ignored)", "binary"),
  clip,
  weightDecay,
});

/** Every optimizer's option table, by `createOptimizer` name, in the order of the docs. */
export const OPTION_TABLES = Object.freeze({
  sgd: SGD_TABLE,
  adam: ADAM_TABLE,
  amsgrad: ADAM_TABLE,
  adabound: ADABOUND_TABLE,
  amsbound: ADABOUND_TABLE,
  bop: BOP_TABLE,
  bamsprod: BAMSPROD_TABLE,
}) satisfies Readonly<Record<OptimizerName, OptionTable>>;

/** The defaults of a table, as a frozen options object. */
export function defaultsOf<T extends OptionTable>(table: T): Readonly<ConfigOf<T>> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) out[name] = spec.default;
  return Object.freeze(out) as ConfigOf<T>;
}

/** The options a user may give optimizer `N` (every one optional). */
export type OptimizerOptions<N extends OptimizerName> = OptionsOf<(typeof OPTION_TABLES)[N]>;

/** The resolved options of optimizer `N` (every one present). */
export type OptimizerConfig<N extends OptimizerName> = ConfigOf<(typeof OPTION_TABLES)[N]>;

export const ADAM_DEFAULTS = defaultsOf(ADAM_TABLE);
export const AMSGRAD_DEFAULTS = ADAM_DEFAULTS;
export const ADABOUND_DEFAULTS = defaultsOf(ADABOUND_TABLE);
export const AMSBOUND_DEFAULTS = ADABOUND_DEFAULTS;
export const BOP_DEFAULTS = defaultsOf(BOP_TABLE);
export const SGD_DEFAULTS = defaultsOf(SGD_TABLE);
export const BAMSPROD_DEFAULTS = defaultsOf(BAMSPROD_TABLE);
