/**
 * Option checking of the tfjs optimizers. The defaults and ranges are the core optimizers'
 * (src/optim); test/tfjs checks that both agree. They are restated here rather than imported
 * because the core optimizers' module graph uses Node built-ins (node:os, Buffer), and
 * `bamsprod/tfjs` must also load in a browser.
 */
import { BamsprodError, show } from "../util/errors.js";

/** A range check; `want` completes "must be ...". */
export interface Rule {
  readonly want: string;
  test(value: unknown): boolean;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export const positive: Rule = { want: "a finite number > 0", test: (v) => finite(v) && v > 0 };
export const fraction: Rule = { want: "a number in [0, 1)", test: (v) => finite(v) && v >= 0 && v < 1 };
export const nonNegative: Rule = { want: "a finite number >= 0", test: (v) => finite(v) && v >= 0 };
export const rate: Rule = { want: "a number in (0, 1]", test: (v) => finite(v) && v > 0 && v <= 1 };
export const clipRule: Rule = {
  want: "null (no clip) or a finite number > 0",
  test: (v) => v === null || (finite(v) && v > 0),
};

/** One option: its default and its rule. */
export type OptionTable = Record<string, { fallback: number | null; rule: Rule }>;

/**
 * Checks `options` against `table` and fills in the defaults. Keys in `extra` (tfjs-only
 * options such as isBinary) are left to the caller; any other unknown key is refused, so that
 * a typo does not silently leave an option at its default.
 */
export function resolveOptions(
  owner: string,
  table: OptionTable,
  options: object,
  extra: readonly string[],
): Record<string, number | null> {
  const resolved: Record<string, number | null> = {};
  for (const [key, { fallback }] of Object.entries(table)) resolved[key] = fallback;
  for (const [key, value] of Object.entries(options)) {
    if (extra.includes(key) || value === undefined) continue;
    const entry = table[key];
    if (entry === undefined) {
      throw new BamsprodError(
        `${owner}: unknown option ${show(key)}; valid options are ${[...Object.keys(table), ...extra].join(", ")}`,
      );
    }
    if (!entry.rule.test(value)) {
      throw new BamsprodError(`${owner}: option ${key} must be ${entry.rule.want}, got ${show(value)}`);
    }
    resolved[key] = value as number | null;
  }
  checkLr(owner, resolved.lr as number, (resolved.weightDecay as number | undefined) ?? 0);
  return resolved;
}

/** Checks a learning rate: finite, > 0, and lr * weightDecay < 1 (decay keeps weights' signs). */
export function checkLr(owner: string, lr: number, weightDecay: number): void {
  if (!positive.test(lr)) {
    throw new BamsprodError(`${owner}: lr must be ${positive.want}, got ${show(lr)}`);
  }
  if (lr * weightDecay >= 1) {
    throw new BamsprodError(
      `${owner}: lr * weightDecay must be < 1 (decay multiplies weights by 1 - lr*weightDecay), ` +
        `got lr ${show(lr)} and weightDecay ${show(weightDecay)}`,
    );
  }
}

/** The options shared by the Adam family (lr, betas, eps, weightDecay). */
export const ADAM_FAMILY: OptionTable = {
  lr: { fallback: 1e-3, rule: positive },
  beta1: { fallback: 0.9, rule: fraction },
  beta2: { fallback: 0.999, rule: fraction },
  eps: { fallback: 1e-8, rule: positive },
  weightDecay: { fallback: 0, rule: nonNegative },
};

/** The clip of binary latent weights (default 1; null: none). */
export const CLIP: OptionTable = { clip: { fallback: 1, rule: clipRule } };
