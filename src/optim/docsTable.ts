/**
 * The option table of an optimizer as Markdown, as docs/optimizers.md shows it (the docs test
 * checks that each section's table is exactly this, so the docs follow defaults.ts).
 */
import { OPTION_TABLES } from "./defaults.js";
import type { OptionTable } from "./options.js";
import type { OptimizerName } from "./types.js";

const TENSORS = { all: "all", binary: "binary only", real: "real only" } as const;

/** The lines of the Markdown table of `name`'s options: option, default, allowed, tensors, meaning. */
export function optionTableMarkdown(name: OptimizerName): string[] {
  const table: OptionTable = OPTION_TABLES[name];
  return [
    "| option | default | allowed | tensors | meaning |",
    "|---|---|---|---|---|",
    ...Object.entries(table).map(
      ([option, s]) =>
        `| \`${option}\` | ${String(s.default)} | ${s.rule.allowed} | ${TENSORS[s.tensors]} | ${s.help} |`,
    ),
  ];
}
