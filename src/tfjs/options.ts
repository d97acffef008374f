/**
 * Option checking of the tfjs optimizers, with the core optimizers' defaults and ranges
 * (src/optim/defaults.ts, a module without Node built-ins, so `bamsprod/tfjs` still loads in a
 * browser).
 */
import type { OptionValue, Rule } from "../optim/options.js";
import { positive } from "../optim/options.js";
import { BamsprodError, show } from "../util/errors.js";

export { positive };

/** One option: its default and its rule. */
export type OptionTable = Record<string, { fallback: number | null; rule: Rule }>;

/** The table of a core optimizer's defaults and rules (same keys). */
export function tableOf(
  defaults: Readonly<Record<string, OptionValue>>,
  rules: Readonly<Record<string, Rule>>,
): OptionTable {
  const table: OptionTable = {};
  for (const [key, fallback] of Object.entries(defaults)) table[key] = { fallback, rule: rules[key] };
  return table;
}

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
