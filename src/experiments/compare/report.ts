/** The comparison's report: settings, tables (accuracy, time to target, gaps, tuning), figures. */
import type { Block, ReportDocument, Table } from "../../report/index.js";
import { formatNumber } from "../../report/index.js";
import type { Gap, GroupResult, Spread } from "./aggregate.js";
import type { MeanInterval } from "./convergence.js";
import type { CompareFigure } from "./plots.js";
import type { TuningChoice } from "./tune.js";
import { optionsLabel } from "./grid.js";
import { cpuKindStatement } from "./environments.js";
import { EXTEND_FACTOR } from "./extend.js";
import type { CompareResults } from "./compare.js";
import { plural } from "../../util/plural.js";

const pct = (v: number, digits = 2): string => (Number.isFinite(v) ? (100 * v).toFixed(digits) : "n/a");

/** "85.12 ± 0.34" in percent; the ± part is omitted when the spread is undefined (one seed). */
function pctSpread(s: Spread): string {
  return Number.isFinite(s.std) ? `${pct(s.mean)} ± ${pct(s.std)}` : pct(s.mean);
}

function numberSpread(s: Spread, digits = 3): string {
  if (s.n === 0) return "n/a";
  return Number.isFinite(s.std)
    ? `${formatNumber(s.mean, digits)} ± ${formatNumber(s.std, 2)}`
    : formatNumber(s.mean, digits);
}

function optionsText(options: Record<string, number>): string {
  const label = optionsLabel(options);
  return label === "defaults" ? "defaults" : label.replace(/_/g, ", ");
}

export function accuracyTable(groups: readonly GroupResult[]): Table {
  return {
    caption: "Final test accuracy (%), mean ± std over seeds",
    headers: [
      "model",
      "optimizer",
      "chosen options",
      "test accuracy",
      "val accuracy",
      "train loss",
      "seeds",
      "seconds / run",
    ],
    rows: groups.map((g) => [
      g.model,
      g.optimizer,
      optionsText(g.options),
      pctSpread(g.testAccuracy),
      pctSpread(g.valAccuracy),
      numberSpread(g.trainLoss),
      String(g.testAccuracy.n),
      formatNumber(g.seconds.mean),
    ]),
    align: ["left", "left", "left", "right", "right", "right", "right", "right"],
    note: "Accuracy after the last epoch. Std is the sample standard deviation over seeds.",
  };
}

/** "1,234 [1,100, 1,368]": a mean and its 95% interval (the interval omitted below two values). */
function withInterval(m: MeanInterval, digits = 3, scale = 1): string {
  if (m.n === 0) return "n/a";
  const f = (v: number): string => formatNumber(scale * v, digits);
  return Number.isFinite(m.lower) ? `${f(m.mean)} [${f(m.lower)}, ${f(m.upper)}]` : f(m.mean);
}

export function targetTable(groups: readonly GroupResult[]): Table {
  return {
    caption: "Time to first reach the target validation accuracy, and the area under the validation curve",
    headers: [
      "model",
      "optimizer",
      "target",
      "epochs",
      "steps [95% interval]",
      "seconds [95% interval]",
      "seeds reaching it",
      "mean val accuracy over the run (%) [95% interval]",
    ],
    rows: groups.map((g) => [
      g.model,
      g.optimizer,
      `${pct(g.toTarget.target, 1)}%`,
      numberSpread(g.toTarget.epochsSpread),
      withInterval(g.toTarget.stepsInterval),
      withInterval(g.toTarget.secondsInterval),
      `${g.toTarget.reached}/${g.seeds.length}`,
      withInterval(g.aucInterval, 4, 100),
    ]),
    align: ["left", "left", "right", "right", "right", "right", "right", "right"],
    note:
      "Epochs: mean ± std; steps and seconds: mean and Student's t 95% interval, over the seeds that reached the target, " +
      "at the first evaluation at or above it (every --eval-every steps when given, else every epoch). Seconds are training time " +
      "up to that evaluation (evaluations not counted). The mean validation accuracy over the run is the area under the " +
      "validation curve (trapezoids over steps) divided by the steps it spans: a convergence measure that needs no target.",
  };
}

export function gapTable(gaps: readonly Gap[]): Table {
  const ref = gaps[0]?.reference ?? "reference";
  return {
    caption: `${ref} against each baseline`,
    headers: [
      "model",
      "baseline",
      "accuracy gap (pp)",
      "95% interval (Welch)",
      "p",
      "speed-up in epochs",
      "speed-up in steps [95% interval]",
      "speed-up in seconds",
      "reached target",
      "mean val accuracy over the run: gap (pp) [95% interval]",
    ],
    rows: gaps.map((g) => [
      g.model,
      g.baseline,
      signed(100 * g.accuracy.difference),
      Number.isFinite(g.accuracy.halfWidth)
        ? `[${signed(100 * g.accuracy.lower)}, ${signed(100 * g.accuracy.upper)}]`
        : "n/a (needs 2 seeds)",
      formatNumber(g.accuracy.pValue, 2),
      times(g.epochSpeedup),
      Number.isFinite(g.stepSpeedupInterval.lower)
        ? `${times(g.stepSpeedup)} [${times(g.stepSpeedupInterval.lower)}, ${times(g.stepSpeedupInterval.upper)}]`
        : times(g.stepSpeedup),
      times(g.secondsSpeedup),
      g.reached,
      Number.isFinite(g.auc.halfWidth)
        ? `${signed(100 * g.auc.difference)} [${signed(100 * g.auc.lower)}, ${signed(100 * g.auc.upper)}]`
        : signed(100 * g.auc.difference),
    ]),
    align: ["left", "left", "right", "right", "right", "right", "right", "right", "right", "right"],
    note:
      `Gap = ${ref} minus baseline final test accuracy, in percentage points; the interval is Welch's t interval. ` +
      `Speed-up = baseline's mean epochs (steps, seconds) to target divided by ${ref}'s: above 1 means ${ref} is faster; ` +
      "the steps' interval is Welch's on log steps (a ratio of geometric means), given when every seed of both reached the target. " +
      "The last column compares the mean validation accuracy over the run (area under the curve), Welch's interval.",
  };
}

export function tuningTable(choices: readonly TuningChoice[]): Table {
  const rows = choices.flatMap((c) =>
    c.candidates.length === 0
      ? [[c.model, c.optimizer, optionsText(c.chosen), "not tuned (single grid point)", "yes"]]
      : c.candidates.map((k) => [
          c.model,
          c.optimizer,
          optionsText(k.options),
          k.valAccuracies.length > 1
            ? `${pct(k.valAccuracy)} (${k.valAccuracies.map((v) => pct(v)).join(", ")})`
            : pct(k.valAccuracy),
          JSON.stringify(k.options) === JSON.stringify(c.chosen)
            ? c.atEdge.length > 0
              ? `yes (edge of grid: ${c.atEdge.join(", ")}${c.extensions === undefined ? "" : ", after extending it"})`
              : "yes"
            : "",
        ]),
  );
  return {
    caption: "Tuning on the validation split",
    headers: ["model", "optimizer", "options", "val accuracy (%)", "chosen"],
    rows,
    align: ["left", "left", "left", "right", "left"],
    note:
      "The grid point with the highest validation accuracy after the tuning epochs is chosen; the test set is not used. " +
      `A best point at a grid's edge grows the grid one step (x${EXTEND_FACTOR} in log space) that way and tunes the new points, ` +
      "up to --grid-extensions rounds (default 3).",
  };
}

/** One line per grid that grew past an edge (or could not). */
export function extensionStatements(choices: readonly TuningChoice[]): string[] {
  return choices
    .filter((c) => c.extensions !== undefined && c.extensions.length > 0)
    .map((c) => `${c.model}/${c.optimizer}: ${(c.extensions ?? []).join("; ")}.`);
}

/** One plain sentence per gap: better, worse, or no clear difference at 95%. */
export function gapStatements(gaps: readonly Gap[]): string[] {
  return gaps.map((g) => {
    const d = 100 * g.accuracy.difference;
    const interval = Number.isFinite(g.accuracy.halfWidth)
      ? `95% interval [${signed(100 * g.accuracy.lower)}, ${signed(100 * g.accuracy.upper)}] pp`
      : "no interval (fewer than 2 seeds)";
    let verdict: string;
    if (!Number.isFinite(g.accuracy.halfWidth)) verdict = d >= 0 ? "is ahead of" : "is behind";
    else if (g.accuracy.lower > 0) verdict = "beats";
    else if (g.accuracy.upper < 0) verdict = "loses to";
    else verdict = "is not distinguishable from";
    return `${g.model}: ${g.reference} ${verdict} ${g.baseline} (${signed(d)} pp, ${interval}).`;
  });
}

function times(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}x` : "n/a";
}

function signed(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  return `${v >= 0 ? "+" : ""}${v.toFixed(2)}`;
}

export function compareReport(results: CompareResults, figures: readonly CompareFigure[]): ReportDocument {
  const c = results.config;
  const blocks: Block[] = [
    {
      kind: "heading",
      level: 1,
      text: `Optimizer comparison: ${c.optimizers.join(", ")} on ${c.models.join(", ")}`,
    },
    { kind: "paragraph", text: `Produced by \`${results.command}\`.` },
    {
      kind: "list",
      items: [
        `Data: ${results.data.map((d) => d.replace(/^data:\s*/, "")).join("; ") || "unknown"}.`,
        `Final runs: ${plural(c.seeds, "seed")} (${results.finalSeeds.join(", ")}) x ${plural(c.epochs, "epoch")}` +
          (c.trainSize > 0 ? `, training on a subsample of ${c.trainSize} images` : "") +
          ".",
        results.tuningRuns.length === 0
          ? "Tuning: none (every optimizer's grid has a single point, used as given)."
          : `Tuning: ${plural(c.tuneEpochs, "epoch")}, ${plural(c.tuneSeeds, "seed")} per grid point, chosen by validation accuracy only.`,
        `Target accuracy per model: ${results.targets.map((t) => `${t.model} ${pct(t.target, 1)}%`).join(", ")} (${results.targetRule}).`,
        cpuKindStatement([...results.tuningRuns, ...results.runs]),
      ],
    },
    { kind: "heading", level: 2, text: "Final test accuracy" },
    { kind: "table", table: accuracyTable(results.groups) },
    { kind: "heading", level: 2, text: "Time to target accuracy" },
    { kind: "table", table: targetTable(results.groups) },
  ];
  if (results.gaps.length > 0) {
    blocks.push({ kind: "heading", level: 2, text: `${results.reference} against the baselines` });
    blocks.push({ kind: "table", table: gapTable(results.gaps) });
    blocks.push({ kind: "list", items: gapStatements(results.gaps) });
  }
  for (const model of c.models) {
    blocks.push({ kind: "heading", level: 2, text: `Curves: ${model}` });
    for (const f of figures.filter((g) => g.model === model))
      blocks.push({ kind: "figure", svg: f.svg, file: f.file, caption: f.caption });
  }
  blocks.push({ kind: "heading", level: 2, text: "Tuning" });
  const grown = extensionStatements(results.tuning);
  if (grown.length > 0) blocks.push({ kind: "list", items: grown.map((g) => `Grid extended: ${g}`) });
  blocks.push({ kind: "table", table: tuningTable(results.tuning) });
  return { title: "bamsprod optimizer comparison", blocks };
}
