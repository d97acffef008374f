/**
 * From final runs to the numbers the report shows: per model and optimizer, the final test
 * accuracy over seeds, per-epoch curves (mean, std), the time to reach a target validation
 * accuracy (the test set is evaluated once, at the end, and never steers anything), and
 * the reference optimizer's (BAMSProd's) gap to each baseline with Welch's interval.
 */
import { mean, sampleStd, welchInterval, type WelchInterval } from "../stats.js";
import type { EpochRecord, RunOutcome } from "./runs.js";

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
  epoch: number[];
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
  curves: { testAccuracy: Curve; valAccuracy: Curve; trainLoss: Curve; flipRatio: Curve };
  toTarget: TimeToTarget;
}

export interface TimeToTarget {
  target: number;
  /** Per seed: first epoch whose validation accuracy reaches the target, and the training seconds until then; null: never. */
  epochs: (number | null)[];
  seconds: (number | null)[];
  reached: number;
  /** Over the seeds that reached the target. */
  epochsSpread: Spread;
  secondsSpread: Spread;
}

export interface Gap {
  model: string;
  reference: string;
  baseline: string;
  /** reference minus baseline final test accuracy, Welch's 95% interval. */
  accuracy: WelchInterval;
  /** Baseline's mean epochs (seconds) to target divided by the reference's: above 1, the reference is faster. */
  epochSpeedup: number;
  secondsSpeedup: number;
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
  const epochs: (number | null)[] = [];
  const seconds: (number | null)[] = [];
  for (const metrics of runs) {
    let elapsed = 0;
    let hit: number | null = null;
    let hitSeconds: number | null = null;
    for (const m of metrics) {
      elapsed += m.seconds;
      if (m.val_accuracy !== null && m.val_accuracy >= target) {
        hit = m.epoch;
        hitSeconds = elapsed;
        break;
      }
    }
    epochs.push(hit);
    seconds.push(hitSeconds);
  }
  const reachedEpochs = epochs.filter((e): e is number => e !== null);
  return {
    target,
    epochs,
    seconds,
    reached: reachedEpochs.length,
    epochsSpread: spread(reachedEpochs),
    secondsSpread: spread(seconds.filter((s): s is number => s !== null)),
  };
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
        },
        toTarget: timeToTarget(metrics, target),
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
        secondsSpeedup: base.toTarget.secondsSpread.mean / ref.toTarget.secondsSpread.mean,
        reached: `${ref.toTarget.reached}/${ref.seeds.length} vs ${base.toTarget.reached}/${base.seeds.length}`,
      });
    }
  }
  return out;
}
