/**
 * Option checking of the tfjs optimizers: the core optimizers' option tables and checks
 * (src/optim/defaults.ts and options.ts, modules without Node built-ins, so `bamsprod/tfjs`
 * still loads in a browser), plus the tfjs-only `isBinary`.
 */
import {
  checkLr,
  resolveOptions as resolveTable,
  type ConfigOf,
  type OptionTable,
} from "../optim/options.js";

export { checkLr };

/**
 * Checks `options` against `table` and fills in the defaults; `isBinary` is left to the caller.
 * Any other unknown key is refused, so that a typo does not silently leave an option at its
 * default.
 */
export function resolveOptions<T extends OptionTable>(owner: string, table: T, options: object): ConfigOf<T> {
  const resolved = resolveTable(owner, table, options, ["isBinary"]);
  checkLr(owner, resolved.lr as number, (resolved.weightDecay as number | undefined) ?? 0);
  return resolved;
}
