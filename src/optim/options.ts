/**
 * Option checking shared by the optimizers. A wrong option is the user's error: it is refused
 * with a message naming the option, the value and the allowed range, never silently ignored
 * (a typo such as `betas1` must not leave beta1 at its default without a word).
 */
import { BamsprodError, show } from "../util/errors.js";

/** Every option value is a number, except `clip`, which may be null (no projection). */
export type OptionValue = number | null;

/** A range check: `want` completes the sentence "must be ..."; `allowed` is its short form (docs). */
export interface Rule {
  readonly want: string;
  readonly allowed: string;
  test(value: unknown): boolean;
}

/** The tensors an option acts on: every tensor, binary ones only, or real ones only. */
export type TensorKind = "all" | "binary" | "real";

/** One row of an optimizer's option table (see defaults.ts). */
export interface OptionSpec<V extends OptionValue = OptionValue> {
  readonly default: V;
  readonly rule: Rule;
  /** One phrase, for `bamsprod train --help` and the docs. */
  readonly help: string;
  readonly tensors: TensorKind;
}

/** An optimizer's options by name, in the order they are listed. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The resolved options of a table (every option present). */
export type ConfigOf<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends OptionSpec<infer V> ? V : never;
};

/** The options a user may give for a table (every one optional). */
export type OptionsOf<T extends OptionTable> = Partial<ConfigOf<T>>;

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Step sizes, eps, gamma, finalLr: finite and > 0. */
export const positive: Rule = {
  want: "a finite number > 0",
  allowed: "> 0",
  test: (v) => finite(v) && v > 0,
};
/** Decay rates beta1, beta2, momentum: in [0, 1). */
export const fraction: Rule = {
  want: "a number in [0, 1)",
  allowed: "[0, 1)",
  test: (v) => finite(v) && v >= 0 && v < 1,
};
/** Weight decay, lam, threshold: finite and >= 0. */
export const nonNegative: Rule = {
  want: "a finite number >= 0",
  allowed: ">= 0",
  test: (v) => finite(v) && v >= 0,
};
/** Moving-average rates (Bop's gamma): in (0, 1]. */
export const rate: Rule = {
  want: "a number in (0, 1]",
  allowed: "(0, 1]",
  test: (v) => finite(v) && v > 0 && v <= 1,
};
/** The latent-weight clip: null (no projection) or finite and > 0. */
export const clipRule: Rule = {
  want: "null (no clip) or a finite number > 0",
  allowed: "> 0, or null",
  test: (v) => v === null || (finite(v) && v > 0),
};

/**
 * Checks `given` against an optimizer's option table and fills in the defaults. Options given
 * as `undefined` count as absent; keys in `extra` (options a caller handles itself, such as the
 * tfjs adapter's isBinary) are skipped.
 */
export function resolveOptions<T extends OptionTable>(
  optimizer: string,
  table: T,
  given: unknown,
  extra: readonly string[] = [],
): ConfigOf<T> {
  const out: Record<string, OptionValue> = {};
  for (const [key, spec] of Object.entries(table)) out[key] = spec.default;
  if (given === undefined || given === null) return out as ConfigOf<T>;
  if (typeof given !== "object" || Array.isArray(given)) {
    throw new BamsprodError(
      `${optimizer}: options must be an object such as { lr: 0.001 }, got ${show(given)}`,
    );
  }
  const valid = [...Object.keys(table), ...extra];
  for (const [key, value] of Object.entries(given)) {
    if (extra.includes(key)) continue;
    if (!Object.hasOwn(table, key)) {
      const hint = closest(key, valid);
      throw new BamsprodError(
        `${optimizer}: unknown option ${show(key)}${hint === null ? "" : ` (did you mean ${show(hint)}?)`}; ` +
          `valid options are ${valid.join(", ")}`,
      );
    }
    if (value === undefined) continue;
    const rule = table[key].rule;
    if (!rule.test(value)) {
      throw new BamsprodError(`${optimizer}: option ${key} must be ${rule.want}, got ${show(value)}`);
    }
    out[key] = value as OptionValue;
  }
  return out as ConfigOf<T>;
}

/**
 * Checks a learning rate: finite, > 0, and lr * weightDecay < 1 (decoupled weight decay
 * multiplies x by 1 - lr*weightDecay, which must stay > 0).
 */
export function checkLr(owner: string, lr: number, weightDecay: number): void {
  if (!positive.test(lr)) {
    throw new BamsprodError(
      `${owner}: lr must be ${positive.want}, got ${show(lr)}` +
        (lr === 0 ? " (a schedule that reaches 0 needs a minimum factor > 0)" : ""),
    );
  }
  if (lr * weightDecay >= 1) {
    throw new BamsprodError(
      `${owner}: lr * weightDecay must be < 1 (decay multiplies weights by 1 - lr*weightDecay), ` +
        `got lr ${show(lr)} and weightDecay ${show(weightDecay)}`,
    );
  }
}

/** The valid name within edit distance 2 of `name`, if any (for "did you mean"). */
function closest(name: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
