/**
 * From final runs to the numbers the report shows: per model and optimizer, the final test
 * accuracy over seeds, per-epoch curves (mean, std), the time to reach a target validation
 * accuracy (the test set is evaluated once, at the end, and never steers anything), and
 * the reference optimizer's (BAMSProd's) gap to each baseline with Welch's interval.
 */
import { mean, sampleStd, welchInterval, type WelchInterval } from "../stats.js";
import type { EpochRecord, RunOutcome } from "./runs.js";
import { areaUnderCurve, evalPoints, firstCrossing, meanInterval, type MeanInterval } from "./convergence.js";

/** Mean and spread of one quantity over seeds. */
export interface Spread {
  mean: number;
  std: number;
  n: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  return { mean: mean(values), std: sampleStd(values), n: values.length, values: [...values] };
}

export interface Curve {
  /** Epochs of training at each point (fractional for sub-epoch evaluations). */
  epoch: number[];
  /** Optimizer steps at each point, when the runs recorded them. */
  step?: number[];
  mean: number[];
  std: number[];
  min: number[];
  max: number[];
}

export interface GroupResult {
  model: string;
  optimizer: string;
  options: Record<string, number>;
  seeds: number[];
  testAccuracy: Spread;
  valAccuracy: Spread;
  trainLoss: Spread;
  /** Wall-clock seconds of training per run (from metrics.jsonl). */
  seconds: Spread;
  curves: {
    testAccuracy: Curve;
    valAccuracy: Curve;
    trainLoss: Curve;
    flipRatio: Curve;
    /** Validation accuracy at every evaluation (sub-epoch with --eval-every), by step. */
    valBySteps: Curve;
  };
  toTarget: TimeToTarget;
  /** Area under the validation curve per seed: the mean validation accuracy over the run. */
  auc: Spread;
  aucInterval: MeanInterval;
}

export interface TimeToTarget {
  target: number;
  /**
   * Per seed, at the first evaluation whose validation accuracy reaches the target (every
   * --eval-every steps, else every epoch): epochs (fractional between epoch ends), optimizer
   * steps and training seconds until then; null: never.
   */
  epochs: (number | null)[];
  steps: (number | null)[];
  seconds: (number | null)[];
  reached: number;
  /** Over the seeds that reached the target; the intervals are Student's t at 95%. */
  epochsSpread: Spread;
  stepsSpread: Spread;
  secondsSpread: Spread;
  stepsInterval: MeanInterval;
  secondsInterval: MeanInterval;
}

export interface Gap {
  model: string;
  reference: string;
  baseline: string;
  /** reference minus baseline final test accuracy, Welch's 95% interval. */
  accuracy: WelchInterval;
  /** Baseline's mean epochs (steps, seconds) to target divided by the reference's: above 1, the reference is faster. */
  epochSpeedup: number;
  stepSpeedup: number;
  secondsSpeedup: number;
  /**
   * 95% interval of the step speed-up as a ratio of geometric means: Welch's interval on log
   * steps, exponentiated. NaN unless every seed of both reached the target (and 2+ seeds each).
   */
  stepSpeedupInterval: { ratio: number; lower: number; upper: number };
  /** reference minus baseline area under the validation curve, Welch's 95% interval. */
  auc: WelchInterval;
  /** Seeds that reached the target, reference and baseline, out of their run counts. */
  reached: string;
}

/** Target factor: by default the target is 99% of the lowest mean final validation accuracy among the optimizers. */
export const TARGET_FRACTION = 0.99;

/**
 * The default target of a model: 99% of the worst optimizer's mean final validation accuracy, rounded
 * down to 0.1%, so that every optimizer reaches it on average and the table compares speed.
 */
export function defaultTarget(finalMeans: readonly number[]): number {
  const worst = Math.min(...finalMeans.filter((v) => Number.isFinite(v)));
  return Math.floor(worst * TARGET_FRACTION * 1000) / 1000;
}

export function timeToTarget(runs: readonly EpochRecord[][], target: number): TimeToTarget {
  const hits = runs.map((metrics) => firstCrossing(evalPoints(metrics), target));
  const pick = (f: (h: NonNullable<(typeof hits)[number]>) => number): (number | null)[] =>
    hits.map((h) => (h === null ? null : f(h)));
  const reachedOnly = (v: (number | null)[]): number[] => v.filter((x): x is number => x !== null);
  const epochs = pick((h) => h.epoch);
  const steps = pick((h) => h.step);
  const seconds = pick((h) => h.seconds);
  return {
    target,
    epochs,
    steps,
    seconds,
    reached: reachedOnly(epochs).length,
    epochsSpread: spread(reachedOnly(epochs)),
    stepsSpread: spread(reachedOnly(steps)),
    secondsSpread: spread(reachedOnly(seconds)),
    stepsInterval: meanInterval(reachedOnly(steps)),
    secondsInterval: meanInterval(reachedOnly(seconds)),
  };
}

/**
 * Validation accuracy at every evaluation, aligned by position across runs (same --eval-every);
 * `step` only when every metrics line recorded its step (older runs did not).
 */
export function stepCurve(runs: readonly EpochRecord[][]): Curve {
  const points = runs.map((m) => evalPoints(m));
  const length = Math.min(...points.map((p) => p.length));
  const hasSteps = runs.every((r) => r.every((m) => m.step !== undefined));
  const out: Curve = { epoch: [], step: hasSteps ? [] : undefined, mean: [], std: [], min: [], max: [] };
  for (let i = 0; i < length; i++) {
    const values = points.map((p) => p[i].accuracy);
    out.epoch.push(points[0][i].epoch);
    out.step?.push(points[0][i].step);
    out.mean.push(mean(values));
    out.std.push(sampleStd(values));
    out.min.push(Math.min(...values));
    out.max.push(Math.max(...values));
  }
  return out;
}

/** Mean and std across runs at each epoch (runs are aligned by position; all have the same length). */
export function curve(runs: readonly EpochRecord[][], pick: (m: EpochRecord) => number | null): Curve {
  const length = Math.min(...runs.map((r) => r.length));
  const out: Curve = { epoch: [], mean: [], std: [], min: [], max: [] };
  for (let e = 0; e < length; e++) {
    const values = runs.map((r) => pick(r[e])).filter((v): v is number => v !== null && Number.isFinite(v));
    out.epoch.push(runs[0][e].epoch);
    out.mean.push(mean(values));
    out.std.push(sampleStd(values));
    out.min.push(values.length === 0 ? Number.NaN : Math.min(...values));
    out.max.push(values.length === 0 ? Number.NaN : Math.max(...values));
  }
  return out;
}

function last(metrics: EpochRecord[]): EpochRecord {
  return metrics[metrics.length - 1];
}

export function aggregate(
  models: readonly string[],
  optimizers: readonly string[],
  outcomes: readonly RunOutcome[],
  targets: (model: string, finalMeans: number[]) => number,
): GroupResult[] {
  const groups: GroupResult[] = [];
  for (const model of models) {
    const byOptimizer = optimizers.map((optimizer) =>
      outcomes
        .filter((o) => o.spec.model === model && o.spec.optimizer === optimizer)
        .sort((a, b) => a.spec.seed - b.spec.seed),
    );
    const finalMeans = byOptimizer.map((runs) =>
      mean(runs.map((r) => last(r.metrics).val_accuracy ?? Number.NaN)),
    );
    const target = targets(model, finalMeans);
    optimizers.forEach((optimizer, i) => {
      const runs = byOptimizer[i];
      const metrics = runs.map((r) => r.metrics);
      const aucs = metrics.map((m) => areaUnderCurve(evalPoints(m)));
      groups.push({
        model,
        optimizer,
        options: runs[0]?.spec.options ?? {},
        seeds: runs.map((r) => r.spec.seed),
        testAccuracy: spread(runs.map((r) => r.summary.test_accuracy ?? Number.NaN)),
        valAccuracy: spread(metrics.map((m) => last(m).val_accuracy ?? Number.NaN)),
        trainLoss: spread(metrics.map((m) => last(m).train_loss)),
        seconds: spread(metrics.map((m) => m.reduce((s, e) => s + e.seconds, 0))),
        curves: {
          testAccuracy: curve(metrics, (m) => m.test_accuracy),
          valAccuracy: curve(metrics, (m) => m.val_accuracy),
          trainLoss: curve(metrics, (m) => m.train_loss),
          flipRatio: curve(metrics, (m) => m.flip_ratio),
          valBySteps: stepCurve(metrics),
        },
        toTarget: timeToTarget(metrics, target),
        auc: spread(aucs),
        aucInterval: meanInterval(aucs),
      });
    });
  }
  return groups;
}

/** The reference optimizer against every other one, per model. */
export function gaps(groups: readonly GroupResult[], reference: string): Gap[] {
  const out: Gap[] = [];
  for (const ref of groups.filter((g) => g.optimizer === reference)) {
    for (const base of groups.filter((g) => g.model === ref.model && g.optimizer !== reference)) {
      out.push({
        model: ref.model,
        reference,
        baseline: base.optimizer,
        accuracy: welchInterval(ref.testAccuracy.values, base.testAccuracy.values),
        epochSpeedup: base.toTarget.epochsSpread.mean / ref.toTarget.epochsSpread.mean,
        stepSpeedup: base.toTarget.stepsSpread.mean / ref.toTarget.stepsSpread.mean,
        secondsSpeedup: base.toTarget.secondsSpread.mean / ref.toTarget.secondsSpread.mean,
        stepSpeedupInterval: speedupInterval(ref.toTarget, base.toTarget),
        auc: welchInterval(ref.auc.values, base.auc.values),
        reached: `${ref.toTarget.reached}/${ref.seeds.length} vs ${base.toTarget.reached}/${base.seeds.length}`,
      });
    }
  }
  return out;
}

/**
 * The reference's speed-up in steps over a baseline, as exp(mean log steps of the baseline -
 * mean log steps of the reference) with Welch's 95% interval on the logs. Only when every seed
 * of both reached the target: a seed that never gets there has no step count to average.
 */
export function speedupInterval(
  ref: TimeToTarget,
  base: TimeToTarget,
): { ratio: number; lower: number; upper: number } {
  const all = (t: TimeToTarget): number[] | null =>
    t.steps.every((s) => s !== null && s > 0) ? (t.steps as number[]).map(Math.log) : null;
  const a = all(base);
  const b = all(ref);
  if (a === null || b === null || a.length === 0 || b.length === 0)
    return { ratio: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  const w = welchInterval(a, b);
  return { ratio: Math.exp(w.difference), lower: Math.exp(w.lower), upper: Math.exp(w.upper) };
}
