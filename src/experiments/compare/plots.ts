/** The comparison's figures: per model, validation accuracy, training loss and flip ratio against epoch. */
import { lineChart, type Series } from "../../report/index.js";
import { optimizerColor } from "../colors.js";
import type { Curve, GroupResult } from "./aggregate.js";

export interface CompareFigure {
  model: string;
  measure: string;
  /** Relative to the comparison's --out directory. */
  file: string;
  caption: string;
  svg: string;
}

const measures: {
  name: string;
  pick: (g: GroupResult) => Curve;
  yLabel: string;
  caption: string;
  log?: boolean;
  /** Band from the smallest to the largest seed (a ratio near zero has no meaningful mean - std on a log axis). */
  range?: boolean;
}[] = [
  {
    name: "val-accuracy",
    pick: (g) => g.curves.valBySteps,
    yLabel: "validation accuracy",
    caption:
      "Validation accuracy at every evaluation (every --eval-every steps when given, else every epoch) against optimizer steps (epochs for runs that did not record steps): mean over seeds, band = mean +- one standard deviation",
  },
  {
    name: "train-loss",
    pick: (g) => g.curves.trainLoss,
    yLabel: "training loss",
    caption: "Training loss (mean over the epoch's batches) against epoch: mean +- std over seeds",
  },
  {
    name: "flip-ratio",
    pick: (g) => g.curves.flipRatio,
    yLabel: "flip ratio per step",
    caption:
      "Flip ratio of the binary weights (fraction whose sign changes per step, epoch mean; log scale): mean over seeds, band = min to max",
    log: true,
    range: true,
  },
];

export function compareFigures(groups: readonly GroupResult[], models: readonly string[]): CompareFigure[] {
  const figures: CompareFigure[] = [];
  for (const model of models) {
    const inModel = groups.filter((g) => g.model === model);
    for (const m of measures) {
      const bySteps = inModel.every((g) => m.pick(g).step !== undefined);
      const series: Series[] = inModel.map((g, i) => {
        const c = m.pick(g);
        // With one seed there is no spread: the band is omitted rather than drawn with zero width.
        const band = c.std.some((s) => Number.isFinite(s));
        return {
          label: g.optimizer,
          x: bySteps ? (c.step as number[]) : c.epoch,
          y: c.mean,
          lower: !band ? undefined : m.range ? c.min : c.mean.map((v, e) => v - c.std[e]),
          upper: !band ? undefined : m.range ? c.max : c.mean.map((v, e) => v + c.std[e]),
          color: optimizerColor(g.optimizer, i),
        };
      });
      const target = inModel[0]?.toTarget.target;
      const svg = lineChart({
        title: `${model}: ${m.yLabel}`,
        xLabel: bySteps ? "step" : "epoch",
        xIntegers: true,
        yLabel: m.yLabel,
        series,
        yScale: m.log ? "log" : "linear",
        references:
          m.name === "val-accuracy" && target !== undefined
            ? [{ y: target, label: `target ${(100 * target).toFixed(1)}%` }]
            : [],
      });
      figures.push({
        model,
        measure: m.name,
        file: `plots/${model}-${m.name}.svg`,
        caption: `${model}. ${m.caption}.`,
        svg,
      });
    }
  }
  return figures;
}
