/**
 * The whole convex experiment: every optimizer on every problem, with verdicts, a JSON record,
 * SVG plots and a short report. Files are written atomically, so an interrupted run never
 * leaves a half-written figure or summary behind.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { convexProblem } from "./problems.js";
import { runConvex, type ConvexRun } from "./run.js";
import { verdict, CONVERGENCE_TOLERANCE, type Verdict } from "./verdict.js";
import { convexFigures } from "./plots.js";
import { convexReport } from "./report.js";
import { renderHtml, renderMarkdown } from "../../report/index.js";
import type { ConvexProblem } from "./problem.js";

export interface ConvexExperimentOptions {
  problems: readonly string[];
  optimizers: readonly string[];
  steps: number;
  seed: number;
  /** Per optimizer, options that replace the experiment's (e.g. { bamsprod: { lam: 0 } } for an ablation). */
  overrides?: Record<string, Record<string, number>>;
}

/** A run without its trace, plus its verdict: one row of the summary. */
export interface ConvexRunSummary extends Omit<ConvexRun, "trace"> {
  averageRegret: number;
  verdict: Verdict;
}

export interface ConvexProblemResult {
  id: string;
  title: string;
  description: string;
  dim: number;
  binarized: boolean;
  optimum: number[];
  worstGap: number;
  settings: ConvexProblem["settings"];
  runs: (ConvexRunSummary & { trace: ConvexRun["trace"] })[];
}

export interface ConvexResults {
  format: "bamsprod-convex";
  version: 1;
  steps: number;
  seed: number;
  criterion: string;
  problems: ConvexProblemResult[];
}

export const convexCriterion =
  `converges: average regret over the last 10% of steps is at most ${100 * CONVERGENCE_TOLERANCE}% ` +
  `of the worst feasible point's per-step regret`;

export function runConvexExperiment(options: ConvexExperimentOptions): ConvexResults {
  const problems = options.problems.map((id) => {
    const problem = convexProblem(id);
    const runs = options.optimizers.map((name) => {
      const run = runConvex(problem, name, options.steps, options.seed, options.overrides?.[name] ?? {});
      return { ...run, averageRegret: run.regret / run.steps, verdict: verdict(problem, run) };
    });
    return {
      id: problem.id,
      title: problem.title,
      description: problem.description,
      dim: problem.dim,
      binarized: problem.binarized,
      optimum: Array.from(problem.optimum),
      worstGap: problem.worstGap,
      settings: problem.settings,
      runs,
    };
  });
  return {
    format: "bamsprod-convex",
    version: 1,
    steps: options.steps,
    seed: options.seed,
    criterion: convexCriterion,
    problems,
  };
}

/** The results without traces: what `--json` prints. */
export function convexSummary(results: ConvexResults): unknown {
  return {
    ...results,
    problems: results.problems.map((p) => ({ ...p, runs: p.runs.map(({ trace: _trace, ...rest }) => rest) })),
  };
}

/** Six significant digits are far beyond what the plots show and keep the traces small. */
function roundForJson(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isInteger(value) && Number.isFinite(value)
    ? Number(value.toPrecision(6))
    : value;
}

/** Writes convex.json, one SVG per problem and measure, report.md and report.html into `dir`. */
export function writeConvexOutputs(results: ConvexResults, dir: string, command: string): string[] {
  const written: string[] = [];
  const put = (name: string, text: string): void => {
    writeFileAtomic(join(dir, name), text);
    written.push(join(dir, name));
  };
  put("convex.json", JSON.stringify(results, roundForJson) + "\n");
  const figures = convexFigures(results);
  for (const f of figures) put(f.file, f.svg);
  const doc = convexReport(results, figures, command);
  put("report.md", renderMarkdown(doc));
  put("report.html", renderHtml(doc));
  return written;
}
