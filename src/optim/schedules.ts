/**
 * Learning-rate schedules: pure functions from the step index (0 for the first update) to a
 * multiplier of the base learning rate, composable by nesting:
 *
 * ```ts
 * const schedule = warmup(500, cosine(10_000)); // 500 warm-up steps, then 10 000 cosine steps
 * optimizer.lr = baseLr * schedule(step);
 * optimizer.step(params);
 * ```
 */
import { BamsprodError, show } from "../util/errors.js";

/** A multiplier of the base learning rate as a function of the step index (0, 1, 2, ...). */
export type Schedule = (step: number) => number;

function checkCount(schedule: string, what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BamsprodError(`${schedule}: ${what} must be a whole number >= 1, got ${show(value)}`);
  }
}

function checkRange(schedule: string, what: string, value: number, low: number, lowOpen: boolean): void {
  const ok = Number.isFinite(value) && (lowOpen ? value > low : value >= low) && value <= 1;
  if (!ok) {
    throw new BamsprodError(
      `${schedule}: ${what} must be in ${lowOpen ? "(" : "["}${low}, 1], got ${show(value)}`,
    );
  }
}

function checkStep(schedule: string, step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new BamsprodError(`${schedule} schedule: the step must be a whole number >= 0, got ${show(step)}`);
  }
}

/** Always `factor` (default 1: the base learning rate). */
export function constant(factor = 1): Schedule {
  if (!(Number.isFinite(factor) && factor > 0)) {
    throw new BamsprodError(`constant: factor must be a finite number > 0, got ${show(factor)}`);
  }
  return (step) => {
    checkStep("constant", step);
    return factor;
  };
}

/** Multiplies by `factor` every `every` steps: factor^floor(step / every). */
export function stepDecay(every: number, factor: number): Schedule {
  checkCount("stepDecay", "every", every);
  checkRange("stepDecay", "factor", factor, 0, true);
  return (step) => {
    checkStep("stepDecay", step);
    return factor ** Math.floor(step / every);
  };
}

/** Smooth exponential decay: rate^(step / every) (rate per `every` steps, default per step). */
export function exponential(rate: number, every = 1): Schedule {
  checkRange("exponential", "rate", rate, 0, true);
  checkCount("exponential", "every", every);
  return (step) => {
    checkStep("exponential", step);
    return rate ** (step / every);
  };
}

/**
 * Cosine annealing from 1 at step 0 to `minFactor` at step `total`, then `minFactor`:
 * minFactor + (1 - minFactor) * (1 + cos(pi * min(step, total) / total)) / 2.
 * With minFactor 0 the multiplier is 0 from step `total` on, which no optimizer accepts as a
 * learning rate: give `total` = the number of steps, or a minFactor > 0.
 */
export function cosine(total: number, minFactor = 0): Schedule {
  checkCount("cosine", "total", total);
  checkRange("cosine", "minFactor", minFactor, 0, false);
  return (step) => {
    checkStep("cosine", step);
    const progress = Math.min(step, total) / total;
    return minFactor + ((1 - minFactor) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/**
 * Linear warm-up over `steps` steps, then `next` (default: constant 1) counted from the end
 * of the warm-up. The ramp is (step + 1) / steps * next(0): it never starts at 0 and joins
 * `next` without a jump.
 */
export function warmup(steps: number, next: Schedule = constant()): Schedule {
  checkCount("warmup", "steps", steps);
  if (typeof next !== "function") {
    throw new BamsprodError(`warmup: the schedule after the warm-up must be a function, got ${show(next)}`);
  }
  return (step) => {
    checkStep("warmup", step);
    return step < steps ? ((step + 1) / steps) * next(0) : next(step - steps);
  };
}
