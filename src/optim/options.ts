/**
 * Option checking shared by the optimizers. A wrong option is the user's error: it is refused
 * with a message naming the option, the value and the allowed range, never silently ignored
 * (a typo such as `betas1` must not leave beta1 at its default without a word).
 */
import { BamsprodError, show } from "../util/errors.js";

/** Every option value is a number, except `clip`, which may be null (no projection). */
export type OptionValue = number | null;

/** A range check: `want` completes the sentence "must be ...". */
export interface Rule {
  readonly want: string;
  test(value: unknown): boolean;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Step sizes, eps, gamma, finalLr: finite and > 0. */
export const positive: Rule = { want: "a finite number > 0", test: (v) => finite(v) && v > 0 };
/** Decay rates beta1, beta2, momentum: in [0, 1). */
export const fraction: Rule = { want: "a number in [0, 1)", test: (v) => finite(v) && v >= 0 && v < 1 };
/** Weight decay, lam, threshold: finite and >= 0. */
export const nonNegative: Rule = { want: "a finite number >= 0", test: (v) => finite(v) && v >= 0 };
/** Moving-average rates (Bop's gamma): in (0, 1]. */
export const rate: Rule = { want: "a number in (0, 1]", test: (v) => finite(v) && v > 0 && v <= 1 };
/** The latent-weight clip: null (no projection) or finite and > 0. */
export const clipRule: Rule = {
  want: "null (no clip) or a finite number > 0",
  test: (v) => v === null || (finite(v) && v > 0),
};

/**
 * Checks `given` against an optimizer's rules and fills in the defaults.
 * `defaults` and `rules` have the same keys: the options this optimizer accepts.
 * Options given as `undefined` count as absent.
 */
export function resolveOptions<T extends Record<string, OptionValue>>(
  optimizer: string,
  defaults: Readonly<T>,
  rules: Readonly<Record<keyof T, Rule>>,
  given: unknown,
): T {
  if (given === undefined || given === null) return { ...defaults };
  if (typeof given !== "object" || Array.isArray(given)) {
    throw new BamsprodError(
      `${optimizer}: options must be an object such as { lr: 0.001 }, got ${show(given)}`,
    );
  }
  const valid = Object.keys(defaults);
  const out: Record<string, OptionValue> = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(defaults, key)) {
      const hint = closest(key, valid);
      throw new BamsprodError(
        `${optimizer}: unknown option ${show(key)}${hint === null ? "" : ` (did you mean ${show(hint)}?)`}; ` +
          `valid options are ${valid.join(", ")}`,
      );
    }
    if (value === undefined) continue;
    const rule = rules[key as keyof T];
    if (!rule.test(value)) {
      throw new BamsprodError(`${optimizer}: option ${key} must be ${rule.want}, got ${show(value)}`);
    }
    out[key] = value as OptionValue;
  }
  return out as T;
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
