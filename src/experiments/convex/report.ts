/** The convex experiment's report: the verdict table, the problems, and the figures. */
import type { Block, ReportDocument, Table } from "../../report/index.js";
import { formatNumber } from "../../report/index.js";
import type { ConvexResults } from "./experiment.js";
import type { ConvexFigure } from "./plots.js";

/** One row per problem and optimizer: the measured numbers and the verdict. */
export function verdictTable(results: ConvexResults): Table {
  const rows = results.problems.flatMap((p) =>
    p.runs.map((r) => [
      p.id,
      r.optimizer,
      formatNumber(r.averageRegret),
      `${formatNumber(100 * r.verdict.tailRatio)}%`,
      r.verdict.finalAtOptimum ? "yes" : "no",
      String(r.flips),
      r.verdict.converges ? "converges" : "has not converged",
    ]),
  );
  return {
    caption: `Verdicts after ${results.steps} steps (seed ${results.seed})`,
    headers: [
      "problem",
      "optimizer",
      "R_T/T",
      "tail regret / worst",
      "final point optimal",
      "sign flips",
      "verdict",
    ],
    rows,
    align: ["left", "left", "right", "right", "left", "right", "left"],
    note: `Criterion: ${results.criterion}.`,
  };
}

export function convexReport(
  results: ConvexResults,
  figures: ConvexFigure[],
  command: string,
): ReportDocument {
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: "Convex counter-examples: which optimizers converge" },
    { kind: "paragraph", text: `Produced by \`${command}\`.` },
    {
      kind: "paragraph",
      text:
        "Every optimizer plays x_t, sees f_t, and updates; the step size is alpha/sqrt(t) for all of them, " +
        "and the latent point is projected into [-1, 1] after each step. Regret is measured against the known optimum.",
    },
    { kind: "table", table: verdictTable(results) },
  ];
  for (const p of results.problems) {
    blocks.push({ kind: "heading", level: 2, text: p.title });
    blocks.push({
      kind: "paragraph",
      text: `${p.description} alpha = ${p.settings.alpha}; worst-case per-step regret ${formatNumber(p.worstGap)}.`,
    });
    for (const f of figures.filter((g) => g.problem === p.id)) {
      blocks.push({ kind: "figure", svg: f.svg, file: f.file, caption: f.caption });
    }
  }
  return { title: "bamsprod convex experiment", blocks };
}
