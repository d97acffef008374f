/** Writes a comparison's files, each atomically: results.json, results.csv, epochs.csv, evals.csv, plots/, report.md, report.html. */
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { renderHtml, renderMarkdown, toCsv } from "../../report/index.js";
import { compareFigures } from "./plots.js";
import { compareReport } from "./report.js";
import { optionsLabel } from "./grid.js";
import type { CompareResults } from "./compare.js";
import { runEnvironments } from "./environments.js";
import { cpuKind } from "../../kernels/environment.js";
import type { TrainSummary } from "./runs.js";
import { evalPoints } from "./convergence.js";

export function writeCompareOutputs(results: CompareResults, out: string): string[] {
  const written: string[] = [];
  const put = (name: string, text: string): void => {
    writeFileAtomic(join(out, name), text);
    written.push(join(out, name));
  };
  put("results.json", JSON.stringify(results, null, 1) + "\n");
  put("results.csv", runsCsv(results));
  put("epochs.csv", epochsCsv(results));
  put("evals.csv", evalsCsv(results));
  const figures = compareFigures(results.groups, results.config.models);
  for (const f of figures) put(f.file, f.svg);
  const doc = compareReport(results, figures);
  put("report.md", renderMarkdown(doc));
  put("report.html", renderHtml(doc));
  return written;
}

/** One row per final run. */
function runsCsv(results: CompareResults): string {
  const byKey = new Map(results.groups.map((g) => [`${g.model}/${g.optimizer}`, g]));
  const rows = results.runs.map((r) => {
    const last = r.metrics[r.metrics.length - 1];
    const group = byKey.get(`${r.spec.model}/${r.spec.optimizer}`);
    const k = group?.seeds.indexOf(r.spec.seed) ?? -1;
    return [
      r.spec.model,
      r.spec.optimizer,
      optionsLabel(r.spec.options),
      r.spec.seed,
      r.metrics.length,
      r.summary.test_accuracy ?? null,
      last?.val_accuracy ?? null,
      last?.train_loss ?? null,
      r.metrics.reduce((s, m) => s + m.seconds, 0),
      group?.toTarget.target ?? null,
      k >= 0 ? (group?.toTarget.epochs[k] ?? null) : null,
      k >= 0 ? (group?.toTarget.seconds[k] ?? null) : null,
      ...environmentColumns(r.summary),
      k >= 0 ? (group?.toTarget.steps[k] ?? null) : null,
      k >= 0 ? (group?.auc.values[k] ?? null) : null,
    ];
  });
  return toCsv(
    [
      "model",
      "optimizer",
      "options",
      "seed",
      "epochs",
      "test_accuracy",
      "val_accuracy",
      "train_loss",
      "seconds",
      "target_accuracy",
      "epochs_to_target",
      "seconds_to_target",
      "kernels",
      "cpu_kind",
      "threads",
      "steps_to_target",
      "mean_val_accuracy_over_run",
    ],
    rows,
  );
}

/** One row per final run and epoch: the metrics.jsonl lines, labelled. */
function epochsCsv(results: CompareResults): string {
  const rows = results.runs.flatMap((r) =>
    r.metrics.map((m) => [
      r.spec.model,
      r.spec.optimizer,
      r.spec.seed,
      m.epoch,
      m.train_loss,
      m.train_accuracy,
      m.val_loss,
      m.val_accuracy,
      m.test_accuracy,
      m.flip_ratio,
      m.seconds,
      m.lr,
    ]),
  );
  return toCsv(
    [
      "model",
      "optimizer",
      "seed",
      "epoch",
      "train_loss",
      "train_accuracy",
      "val_loss",
      "val_accuracy",
      "test_accuracy",
      "flip_ratio",
      "seconds",
      "lr",
    ],
    rows,
  );
}

/** The kernel set, CPU kind and threads a run ended on (empty when not recorded). */
function environmentColumns(summary: TrainSummary): (string | number | null)[] {
  const last = runEnvironments(summary).at(-1);
  return last === undefined ? [null, null, null] : [last.kernels, cpuKind(last), last.threads];
}

/** One row per final run and validation evaluation (every --eval-every steps, else every epoch). */
function evalsCsv(results: CompareResults): string {
  const rows = results.runs.flatMap((r) =>
    evalPoints(r.metrics).map((p) => [
      r.spec.model,
      r.spec.optimizer,
      r.spec.seed,
      p.step,
      p.epoch,
      p.seconds,
      p.accuracy,
    ]),
  );
  return toCsv(["model", "optimizer", "seed", "step", "epoch", "seconds", "val_accuracy"], rows);
}
