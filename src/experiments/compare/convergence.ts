/**
 * Convergence speed from a run's validation curve: the first evaluation that reaches a target
 * (in optimizer steps and training seconds), and the area under the curve (the mean validation
 * accuracy over the run), which needs no target. With `--eval-every` the curve is the
 * sub-epoch evaluations; without it, one point per epoch.
 */
import { mean, sampleStd, studentTQuantile } from "../stats.js";
import type { EpochRecord } from "./runs.js";

/** One evaluation of a run: when (steps, training seconds, epochs) and the validation accuracy. */
export interface EvalPoint {
  step: number;
  seconds: number;
  /** Epochs of training done (fractional between epoch ends). */
  epoch: number;
  accuracy: number;
}

/**
 * The validation curve of a run from its metrics.jsonl lines: every sub-epoch evaluation when
 * the run made them, else each epoch's end (steps from the `step` field, or epoch counts when
 * an older metrics file lacks it).
 */
export function evalPoints(metrics: readonly EpochRecord[]): EvalPoint[] {
  const points: EvalPoint[] = [];
  let seconds = 0;
  let previousStep = 0;
  metrics.forEach((m, e) => {
    const endStep = m.step ?? m.epoch;
    const perEpoch = endStep - previousStep;
    if (m.evals !== undefined && m.evals.length > 0) {
      for (const v of m.evals) {
        const into = perEpoch > 0 ? (v.step - previousStep) / perEpoch : 1;
        points.push({ step: v.step, seconds: v.seconds, epoch: e + into, accuracy: v.val_accuracy });
      }
    } else if (m.val_accuracy !== null) {
      points.push({ step: endStep, seconds: seconds + m.seconds, epoch: m.epoch, accuracy: m.val_accuracy });
    }
    seconds += m.seconds;
    previousStep = endStep;
  });
  return points;
}

/** The first evaluation at or above `target`, or null when the run never reaches it. */
export function firstCrossing(points: readonly EvalPoint[], target: number): EvalPoint | null {
  return points.find((p) => p.accuracy >= target) ?? null;
}

/**
 * Mean validation accuracy over the run: the area under the curve (trapezoids over steps)
 * divided by the steps it spans, from the first evaluation to the last. NaN without two points.
 */
export function areaUnderCurve(points: readonly EvalPoint[]): number {
  if (points.length < 2) return Number.NaN;
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    area += ((b.step - a.step) * (a.accuracy + b.accuracy)) / 2;
  }
  const span = points[points.length - 1].step - points[0].step;
  return span > 0 ? area / span : Number.NaN;
}

/** A mean with Student's t interval over seeds (NaN bounds below two values). */
export interface MeanInterval {
  mean: number;
  lower: number;
  upper: number;
  n: number;
}

export function meanInterval(values: readonly number[], confidence = 0.95): MeanInterval {
  const m = mean(values);
  const n = values.length;
  if (n < 2) return { mean: m, lower: Number.NaN, upper: Number.NaN, n };
  const half = (studentTQuantile(1 - (1 - confidence) / 2, n - 1) * sampleStd(values)) / Math.sqrt(n);
  return { mean: m, lower: m - half, upper: m + half, n };
}
