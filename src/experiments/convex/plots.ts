/** The convex experiment's figures: four per problem, one line per optimizer, log-scaled t. */
import { lineChart, type Series } from "../../report/index.js";
import { optimizerColor } from "../colors.js";
import type { ConvexProblemResult, ConvexResults } from "./experiment.js";
import type { TracePoint } from "./run.js";

export interface ConvexFigure {
  problem: string;
  measure: string;
  file: string;
  caption: string;
  svg: string;
}

const measures: { key: keyof TracePoint; name: string; yLabel: string; caption: string; log?: boolean }[] = [
  {
    key: "averageRegret",
    name: "regret",
    yLabel: "average regret R_t / t",
    caption: "Average regret R_t/t against t",
  },
  {
    key: "latent",
    name: "latent",
    yLabel: "mean x_i * w*_i",
    caption:
      "Latent iterate against t, as its alignment with the optimum (1: at the optimum, -1: opposite corner)",
  },
  {
    key: "binarized",
    name: "binarized",
    yLabel: "mean sign(x_i) * w*_i",
    caption: "Binarized iterate against t (1: every sign is the optimum's)",
  },
  {
    key: "flips",
    name: "flips",
    yLabel: "sign flips so far",
    caption: "Cumulative sign flips of the latent coordinates (log scale; zero is not drawn)",
    log: true,
  },
];

export function convexFigures(results: ConvexResults): ConvexFigure[] {
  return results.problems.flatMap((p) => measures.map((m) => figure(p, m)));
}

function figure(p: ConvexProblemResult, m: (typeof measures)[number]): ConvexFigure {
  const series: Series[] = p.runs.map((run, i) => ({
    label: run.optimizer,
    x: run.trace.map((q) => q.t),
    y: run.trace.map((q) => q[m.key]),
    color: optimizerColor(run.optimizer, i),
    dashed: run.optimizer !== "bamsprod" && i % 2 === 1,
  }));
  const svg = lineChart({
    title: `${p.title}: ${m.name}`,
    xLabel: "step t",
    yLabel: m.yLabel,
    series,
    xScale: "log",
    yScale: m.log ? "log" : "linear",
    yRange: m.key === "latent" || m.key === "binarized" ? [-1, 1] : undefined,
  });
  return {
    problem: p.id,
    measure: m.name,
    file: `${p.id}-${m.name}.svg`,
    caption: `${p.title}. ${m.caption}.`,
    svg,
  };
}
