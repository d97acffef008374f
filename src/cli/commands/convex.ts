/** `bamsprod convex`: every optimizer on the convex counter-examples, with verdicts, JSON and SVG plots. */
import { Command } from "commander";
import { optimizerNames } from "../../optim/index.js";
import { BamsprodError, show } from "../../util/errors.js";
import { convexProblemIds, convexProblem } from "../../experiments/convex/problems.js";
import {
  runConvexExperiment,
  writeConvexOutputs,
  convexSummary,
} from "../../experiments/convex/experiment.js";
import { verdictTable } from "../../experiments/convex/report.js";
import { tableToText } from "../../report/index.js";
import { parseGridSpecs } from "../../experiments/compare/grid.js";
import { nonNegativeInt, positiveInt } from "../options.js";

interface ConvexOpts {
  out: string;
  steps: number;
  seed: number;
  problems: string;
  optimizers: string;
  set: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("convex")
    .description(
      "run every optimizer on Reddi et al.'s convex counter-example (real and binarized) and two binarized stochastic problems",
    )
    .option("--out <dir>", "directory for convex.json, the SVG plots and report.md/html", "runs/convex")
    .option("--steps <n>", "online steps T per run", positiveInt, 100000)
    .option("--seed <n>", "seed of the stochastic losses (the same for every optimizer)", nonNegativeInt, 1)
    .option(
      "--problems <list>",
      `comma-separated problems (${convexProblemIds.join(", ")})`,
      convexProblemIds.join(","),
    )
    .option("--optimizers <list>", "comma-separated optimizers", optimizerNames.join(","))
    .option(
      "--set <spec>",
      'override an optimizer option, e.g. "bamsprod:lam=0" (repeatable; recorded in convex.json)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--json", "print the summary (verdicts and final numbers, no traces) as JSON on stdout")
    .action(runCommand);
}

function runCommand(opts: ConvexOpts): void {
  const problems = list(opts.problems);
  problems.forEach((id) => convexProblem(id)); // reject an unknown id before any work
  const optimizers = list(opts.optimizers);
  for (const name of optimizers) checkOptimizer("--optimizers", name);
  const overrides = parseOverrides(opts.set, optimizers);
  const results = runConvexExperiment({
    problems,
    optimizers,
    steps: opts.steps,
    seed: opts.seed,
    overrides,
  });
  const command = ["bamsprod", "convex", ...process.argv.slice(3).filter((a) => a !== "--json")].join(" ");
  writeConvexOutputs(results, opts.out, command);
  if (opts.json === true) {
    process.stdout.write(JSON.stringify(convexSummary(results)) + "\n");
    return;
  }
  process.stdout.write(tableToText(verdictTable(results)));
  process.stdout.write(`results, plots and report (report.html) in ${opts.out}\n`);
}

function checkOptimizer(flag: string, name: string): void {
  if (!(optimizerNames as readonly string[]).includes(name)) {
    throw new BamsprodError(
      `${flag}: unknown optimizer ${show(name)}; choose from ${optimizerNames.join(", ")}`,
    );
  }
}

/** `--set` uses the `--grid` syntax with one value per option. */
function parseOverrides(specs: string[], run: readonly string[]): Record<string, Record<string, number>> {
  // Names are checked on the raw text: an object key such as "constructor" must not slip through.
  for (const entry of specs.flatMap((s) => s.split(";")).map((s) => s.trim())) {
    if (entry === "") continue;
    const optimizer = entry.split(":")[0];
    checkOptimizer("--set", optimizer);
    if (!run.includes(optimizer)) {
      throw new BamsprodError(
        `--set ${show(entry)}: optimizer ${show(optimizer)} is not run (--optimizers ${run.join(",")}); add it or drop the --set`,
      );
    }
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [optimizer, grid] of Object.entries(parseGridSpecs(specs))) {
    checkOptimizer("--set", optimizer);
    out[optimizer] = {};
    for (const [name, values] of Object.entries(grid)) {
      if (values.length !== 1)
        throw new BamsprodError(`--set ${optimizer}:${name} takes one value, got ${values.length}`);
      out[optimizer][name] = values[0];
    }
  }
  return out;
}

function list(text: string): string[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new BamsprodError(`expected a comma-separated list, got ${show(text)}`);
  return items;
}
