import { test } from "node:test";
import assert from "node:assert/strict";
import { linearScale, logScale, niceStep, formatNumber, escapeXml } from "../../src/report/index.js";

test("nice steps are 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(0.13), 0.2);
  assert.equal(niceStep(0.3), 0.5);
  assert.equal(niceStep(7), 10);
  assert.equal(niceStep(1), 1);
  assert.equal(niceStep(0.0012), 0.002);
});

test("linear scale covers the data with round ticks and maps its ends to 0 and 1", () => {
  const s = linearScale(0.03, 0.97);
  assert.deepEqual(s.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(s.fraction(0), 0);
  assert.equal(s.fraction(1), 1);
  assert.equal(s.fraction(0.5), 0.5);
  const flat = linearScale(2, 2);
  assert.ok(flat.min < 2 && flat.max > 2);
});

test("log scale spans whole decades", () => {
  const s = logScale(3, 2e4);
  assert.deepEqual(s.ticks, [1, 10, 100, 1000, 10000, 100000]);
  assert.equal(s.fraction(100), 0.4);
  assert.throws(() => logScale(0, 10), RangeError);
});

test("numbers print briefly, without float noise or forced exponents", () => {
  assert.equal(formatNumber(1000), "1000");
  assert.equal(formatNumber(0.30000000000000004), "0.3");
  assert.equal(formatNumber(0.00123), "0.00123");
  assert.equal(formatNumber(2.5e-4), "2.5e-4");
  assert.equal(formatNumber(100000), "1e5");
  assert.equal(formatNumber(-12.345), "-12.3");
  assert.equal(formatNumber(Number.NaN), "n/a");
  assert.equal(escapeXml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("tick labels carry the step's decimals, so close ticks never print alike", () => {
  const s = linearScale(1.3181, 1.3207);
  const labels = s.ticks.map((t) => s.label(t));
  assert.equal(new Set(labels).size, labels.length, labels.join(", "));
  assert.deepEqual(labels, ["1.318", "1.319", "1.320", "1.321"]);
  const tiny = linearScale(1e-6, 3e-6);
  const tinyLabels = tiny.ticks.map((t) => tiny.label(t));
  assert.equal(new Set(tinyLabels).size, tinyLabels.length, tinyLabels.join(", "));
  assert.equal(linearScale(0, 10).label(5), "5");
});
