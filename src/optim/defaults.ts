/**
 * Every optimizer's defaults and option rules, in one module whose only runtime import is the
 * rules (options.ts, which imports util/errors.ts): the TensorFlow.js adapter, which must load
 * in a browser, takes its defaults and ranges from here too, so both sides cannot drift apart.
 */
import type { AdaboundConfig } from "./adabound.js";
import type { AdamConfig } from "./adam.js";
import type { BamsprodConfig } from "./bamsprod.js";
import type { BopConfig } from "./bop.js";
import { clipRule, fraction, nonNegative, positive, rate } from "./options.js";
import type { SgdConfig } from "./sgd.js";

export const ADAM_DEFAULTS: Readonly<AdamConfig> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  clip: 1,
});

export const ADAM_RULES = {
  lr: positive,
  beta1: fraction,
  beta2: fraction,
  eps: positive,
  weightDecay: nonNegative,
  clip: clipRule,
} as const;

export const ADABOUND_DEFAULTS: Readonly<AdaboundConfig> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  finalLr: 0.1,
  gamma: 1e-3,
  weightDecay: 0,
  clip: 1,
});

export const ADABOUND_RULES = {
  lr: positive,
  beta1: fraction,
  beta2: fraction,
  eps: positive,
  finalLr: positive,
  gamma: positive,
  weightDecay: nonNegative,
  clip: clipRule,
} as const;

export const BOP_DEFAULTS: Readonly<BopConfig> = Object.freeze({
  gamma: 1e-4,
  threshold: 1e-8,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
});

export const BOP_RULES = {
  gamma: rate,
  threshold: nonNegative,
  lr: positive,
  beta1: fraction,
  beta2: fraction,
  eps: positive,
  weightDecay: nonNegative,
} as const;

export const SGD_DEFAULTS: Readonly<SgdConfig> = Object.freeze({
  lr: 0.01,
  momentum: 0,
  weightDecay: 0,
  clip: 1,
});

export const SGD_RULES = {
  lr: positive,
  momentum: fraction,
  weightDecay: nonNegative,
  clip: clipRule,
} as const;

export const BAMSPROD_DEFAULTS: Readonly<BamsprodConfig> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  gamma: 1e-3,
  lam: 1,
  clip: 1,
  weightDecay: 0,
});

export const BAMSPROD_RULES = {
  lr: positive,
  beta1: fraction,
  beta2: fraction,
  eps: positive,
  gamma: positive,
  lam: nonNegative,
  clip: clipRule,
  weightDecay: nonNegative,
} as const;
