import { test } from "node:test";
import assert from "node:assert/strict";
import {
  areaUnderCurve,
  evalPoints,
  firstCrossing,
  meanInterval,
} from "../../src/experiments/compare/convergence.js";
import { speedupInterval, timeToTarget } from "../../src/experiments/compare/aggregate.js";
import type { EpochRecord } from "../../src/experiments/index.js";

/** An epoch line of metrics.jsonl with the fields these measures read. */
function epoch(
  n: number,
  valAccuracy: number,
  seconds: number,
  extra: Partial<EpochRecord> = {},
): EpochRecord {
  return {
    epoch: n,
    train_loss: 1,
    train_accuracy: 0.5,
    val_loss: 1,
    val_accuracy: valAccuracy,
    test_accuracy: null,
    flip_ratio: 0,
    seconds,
    lr: 1e-3,
    ...extra,
  };
}

const at = (step: number, seconds: number, acc: number) => ({
  step,
  seconds,
  val_loss: 1,
  val_accuracy: acc,
});

/** Two epochs of 10 steps, evaluated every 5 steps: 0.1 at step 0, then 0.5, 0.7 | 0.8, 0.9. */
const subEpoch: EpochRecord[] = [
  epoch(1, 0.7, 4, { step: 10, evals: [at(0, 0, 0.1), at(5, 2, 0.5), at(10, 4, 0.7)] }),
  epoch(2, 0.9, 6, { step: 20, evals: [at(15, 7, 0.8), at(20, 10, 0.9)] }),
];

test("the validation curve: sub-epoch evaluations with fractional epochs, else one point per epoch end", () => {
  assert.deepEqual(
    evalPoints(subEpoch).map((p) => [p.step, p.seconds, p.epoch, p.accuracy]),
    [
      [0, 0, 0, 0.1],
      [5, 2, 0.5, 0.5],
      [10, 4, 1, 0.7],
      [15, 7, 1.5, 0.8],
      [20, 10, 2, 0.9],
    ],
  );
  // Older metrics without step or evals: epochs stand in for steps, seconds accumulate.
  const perEpoch = [epoch(1, 0.6, 3), epoch(2, 0.8, 5)];
  assert.deepEqual(
    evalPoints(perEpoch).map((p) => [p.step, p.seconds, p.epoch, p.accuracy]),
    [
      [1, 3, 1, 0.6],
      [2, 8, 2, 0.8],
    ],
  );
});

test("time to target is the first evaluation at or above it, in steps, seconds and epochs, with t intervals over seeds", () => {
  assert.equal(firstCrossing(evalPoints(subEpoch), 0.75)?.step, 15);
  assert.equal(firstCrossing(evalPoints(subEpoch), 0.7)?.step, 10, "reaching the target exactly counts");
  assert.equal(firstCrossing(evalPoints(subEpoch), 0.95), null);

  const slower: EpochRecord[] = [
    epoch(1, 0.6, 4, { step: 10, evals: [at(0, 0, 0.1), at(5, 2, 0.4), at(10, 4, 0.6)] }),
    epoch(2, 0.85, 6, { step: 20, evals: [at(15, 7, 0.7), at(20, 10, 0.85)] }),
  ];
  const never = [epoch(1, 0.2, 4, { step: 10, evals: [at(0, 0, 0.1), at(10, 4, 0.2)] })];
  const t = timeToTarget([subEpoch, slower, never], 0.75);
  assert.deepEqual(t.steps, [15, 20, null]);
  assert.deepEqual(t.seconds, [7, 10, null]);
  assert.deepEqual(t.epochs, [1.5, 2, null]);
  assert.equal(t.reached, 2);
  // Mean 17.5, sample std 3.5355..., t(0.975, 1) = 12.7062...: half-width 12.7062 * 3.5355 / sqrt(2) = 31.7655.
  assert.equal(t.stepsInterval.mean, 17.5);
  assert.ok(Math.abs(t.stepsInterval.upper - 17.5 - 31.7655) < 1e-3, `${t.stepsInterval.upper}`);
});

test("the area under the curve is the mean accuracy over the steps it spans (trapezoids)", () => {
  // (5*(0.1+0.5) + 5*(0.5+0.7) + 5*(0.7+0.8) + 5*(0.8+0.9)) / 2 / 20 = 0.625
  assert.ok(Math.abs(areaUnderCurve(evalPoints(subEpoch)) - 0.625) < 1e-12);
  const flat = [0, 4, 10].map((step) => ({ step, seconds: 0, epoch: 0, accuracy: 0.8 }));
  assert.ok(Math.abs(areaUnderCurve(flat) - 0.8) < 1e-12, "uneven spacing: a flat curve's mean is its value");
  assert.ok(Number.isNaN(areaUnderCurve(flat.slice(0, 1))));
});

test("mean intervals and the speed-up in steps as a ratio of geometric means", () => {
  // [1, 2, 3]: mean 2, std 1, t(0.975, 2) = 4.302653: half-width 2.484138.
  const m = meanInterval([1, 2, 3]);
  assert.ok(Math.abs(m.lower - (2 - 2.484138)) < 1e-5 && Math.abs(m.upper - (2 + 2.484138)) < 1e-5);
  assert.ok(Number.isNaN(meanInterval([5]).lower));

  const times = (steps: (number | null)[]) => ({ ...timeToTarget([], 0), steps });
  const s = speedupInterval(times([100, 200, 400]), times([200, 400, 800]));
  assert.ok(Math.abs(s.ratio - 2) < 1e-12, "the baseline needs twice the steps");
  assert.ok(Math.abs(s.lower * s.upper - 4) < 1e-9, "symmetric around 2 on a log scale");
  assert.ok(s.lower < 2 && s.upper > 2);
  assert.ok(
    Number.isNaN(speedupInterval(times([100, 200]), times([200, null])).ratio),
    "a seed never got there",
  );
});
