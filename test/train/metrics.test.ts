import { test } from "node:test";
import assert from "node:assert/strict";
import { FlipCounter, countCorrect, parseSchedule } from "../../src/train/index.js";

test("FlipCounter counts sign changes per step, with sign(0) = +1", () => {
  const w = new Float32Array([0.5, -0.5, 0, 1]);
  const flips = new FlipCounter([w]);
  w[0] = -0.1; // flips
  w[2] = 0.3; // 0 -> positive: no flip
  assert.equal(flips.step(), 1 / 4);
  assert.equal(flips.step(), 0);
  w[1] = 0; // negative -> 0 (= +1): flips
  w[3] = -2; // flips
  assert.equal(flips.step(), 2 / 4);
});

test("countCorrect compares the arg-max of each row with the label", () => {
  const logits = new Float32Array([0.1, 0.9, 0.0, /**/ 2, 1, 0, /**/ 0, 0, 5]);
  assert.equal(countCorrect(logits, [1, 1, 2], 3), 2);
});

test("schedules parse in epochs and reject unknown forms", () => {
  const ctx = { epochs: 4, stepsPerEpoch: 10 };
  assert.equal(parseSchedule("constant", ctx)(25), 1);
  const step = parseSchedule("step:2:0.5", ctx);
  assert.equal(step(19), 1);
  assert.equal(step(20), 0.5);
  assert.ok(Math.abs(parseSchedule("exp:0.5", ctx)(10) - 0.5) < 1e-12);
  const cos = parseSchedule("cosine", ctx);
  assert.equal(cos(0), 1);
  assert.ok(Math.abs(cos(20) - (0.01 + 0.99 * 0.5)) < 1e-12);
  const warm = parseSchedule("warmup:5,step:1:0.1", ctx);
  assert.equal(warm(0), 0.2);
  assert.equal(warm(5), 1);
  assert.ok(Math.abs(warm(15) - 0.1) < 1e-12);
  assert.throws(() => parseSchedule("linear", ctx), /--lr-schedule "linear" is not understood/);
  assert.throws(() => parseSchedule("step:x:0.5", ctx), /"x" is not a number/);
});
