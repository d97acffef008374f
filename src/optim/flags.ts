/**
 * The command-line form of the optimizer options, derived from the option tables (defaults.ts):
 * one flag per option name of any optimizer (`weightDecay` -> `--weight-decay`), its help text
 * (each optimizer's phrase and default) and its value parser. `bamsprod train` registers these
 * flags and `compare --grid` / `compare`'s runner map option names to them.
 */
import { OPTION_TABLES } from "./defaults.js";
import type { OptionTable, OptionValue, Rule } from "./options.js";
import type { OptimizerName } from "./types.js";

/** One command-line flag of an optimizer option. */
export interface OptimizerFlag {
  /** The option's name, as createOptimizer spells it (e.g. "weightDecay"). */
  readonly option: string;
  /** The flag (e.g. "--weight-decay"). */
  readonly flag: string;
  /** Help text: what the option means for each optimizer that has it, with its default. */
  readonly help: string;
  /** The range every optimizer with this option allows, or null when they differ (each optimizer checks). */
  readonly rule: Rule | null;
  /** True when some optimizer accepts null for it, spelled "none" on the command line. */
  readonly nullable: boolean;
}

/** The flag of an option name: `weightDecay` -> `--weight-decay`. */
export function optionFlag(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const tables = OPTION_TABLES as Readonly<Record<OptimizerName, OptionTable>>;
/** BAMSProd first, so that its options lead the list, then the order of the tables. */
const order: OptimizerName[] = [
  "bamsprod",
  ...(Object.keys(tables) as OptimizerName[]).filter((n) => n !== "bamsprod"),
];

function show(value: OptionValue): string {
  return value === null ? "none" : String(value);
}

/** "phrase (default d)" per group of optimizers sharing a phrase, each group named unless it is everyone. */
function helpOf(option: string, users: OptimizerName[]): string {
  const groups = new Map<string, OptimizerName[]>();
  for (const name of users) {
    const help = tables[name][option].help;
    groups.set(help, [...(groups.get(help) ?? []), name]);
  }
  return [...groups].map(([help, names]) => `${who(names)}${help} (${defaultsOf(option, names)})`).join("; ");
}

/** "" for every optimizer, "all but sgd: " for all but one, else the names. */
function who(names: OptimizerName[]): string {
  const others = order.filter((name) => !names.includes(name));
  if (others.length === 0) return "";
  return others.length === 1 ? `all but ${others[0]}: ` : `${names.join(", ")}: `;
}

/** "default 0.001" or, when they differ, "default 0.001; sgd 0.01" (the most common first). */
function defaultsOf(option: string, names: OptimizerName[]): string {
  const byValue = new Map<string, OptimizerName[]>();
  for (const name of names) {
    const d = show(tables[name][option].default);
    byValue.set(d, [...(byValue.get(d) ?? []), name]);
  }
  const [first, ...rest] = [...byValue].sort((a, b) => b[1].length - a[1].length);
  return [`default ${first[0]}`, ...rest.map(([d, ns]) => `${ns.join(", ")} ${d}`)].join("; ");
}

function flagOf(option: string): OptimizerFlag {
  const users = order.filter((name) => Object.hasOwn(tables[name], option));
  const rules = new Set(users.map((name) => tables[name][option].rule));
  return Object.freeze({
    option,
    flag: optionFlag(option),
    help: helpOf(option, users),
    rule: rules.size === 1 ? [...rules][0] : null,
    nullable: [...rules].some((rule) => rule.test(null)),
  });
}

/** Every optimizer option as a flag, BAMSProd's first. */
export const OPTIMIZER_FLAGS: readonly OptimizerFlag[] = Object.freeze(
  [...new Set(order.flatMap((name) => Object.keys(tables[name])))].map(flagOf),
);
