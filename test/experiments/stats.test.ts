import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mean,
  sampleStd,
  welchInterval,
  studentTQuantile,
  studentTCdf,
} from "../../src/experiments/index.js";
import { incompleteBeta, logGamma } from "../../src/experiments/stats.js";
import { close } from "../helpers/close.js";

test("mean and sample standard deviation", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
  assert.ok(Number.isNaN(sampleStd([1])));
  assert.ok(Number.isNaN(mean([])));
});

test("log-gamma and the incomplete beta function match closed forms", () => {
  close(logGamma(5), Math.log(24), 1e-12);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
  // I_x(2, 3) = sum_{j=2}^{4} C(4, j) x^j (1-x)^(4-j) (binomial identity): 0.3483 at x = 0.3.
  close(incompleteBeta(0.3, 2, 3), 0.3483, 1e-12);
  close(incompleteBeta(0.8, 2, 3), 6 * 0.64 * 0.04 + 4 * 0.512 * 0.2 + 0.4096, 1e-12);
  // I_x(a, 1) = x^a.
  close(incompleteBeta(0.7, 3.5, 1), 0.7 ** 3.5, 1e-12);
});

test("Student t quantiles match the printed tables", () => {
  const table: [number, number, number][] = [
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 4, 2.7764],
    [0.975, 10, 2.2281],
    [0.95, 5, 2.015],
    [0.975, 30, 2.0423],
    [0.975, 1e7, 1.96],
  ];
  for (const [p, df, t] of table) close(studentTQuantile(p, df), t, 1e-4, `t(${p}, ${df})`);
  close(studentTQuantile(0.025, 4), -2.7764, 1e-4);
  close(studentTCdf(0, 3), 0.5, 1e-15);
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
  close(studentTCdf(2, 1), 0.5 + Math.atan(2) / Math.PI, 1e-12);
});

test("Welch's interval on a hand-computed example", () => {
  // a: mean 2, var 1; b: mean 4, var 4; se^2 = 1/3 + 4/3; df = (5/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = 50/17.
  const w = welchInterval([1, 2, 3], [2, 4, 6]);
  assert.equal(w.difference, -2);
  close(w.df, 50 / 17, 1e-12);
  close(w.halfWidth, studentTQuantile(0.975, 50 / 17) * Math.sqrt(5 / 3), 1e-12);
  close(w.lower, -2 - w.halfWidth, 1e-12);
  // scipy.stats.ttest_ind(equal_var=False) gives p = 0.220881 for these samples.
  close(w.pValue, 0.220881, 1e-6);
});

test("Welch's interval needs two values per side and degenerates to a point with no spread", () => {
  const one = welchInterval([0.9], [0.8, 0.85]);
  close(one.difference, 0.075, 1e-12);
  assert.ok(Number.isNaN(one.halfWidth));
  const flat = welchInterval([1, 1], [0.5, 0.5]);
  assert.equal(flat.halfWidth, 0);
  assert.equal(flat.lower, 0.5);
});
