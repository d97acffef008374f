import { test } from "node:test";
import assert from "node:assert/strict";
import { lineChart } from "../../src/report/index.js";
import { parseXml, findAll } from "./xmlCheck.js";

const twoSeries = lineChart({
  title: "accuracy <test> & more",
  xLabel: "epoch",
  yLabel: "accuracy",
  series: [
    {
      label: "bamsprod",
      x: [1, 2, 3],
      y: [0.5, 0.7, 0.8],
      lower: [0.45, 0.65, 0.78],
      upper: [0.55, 0.75, 0.82],
    },
    { label: "a<b", x: [1, 2, 3, 4], y: [0.4, Number.NaN, 0.6, 0.65], dashed: true },
  ],
  references: [{ y: 0.75, label: "target" }],
});

test("line chart is well-formed SVG with a title, one path per series and a legend entry each", () => {
  const { root, errors } = parseXml(twoSeries);
  assert.deepEqual(errors, []);
  assert.equal(root!.name, "svg");
  assert.equal(root!.attributes.xmlns, "http://www.w3.org/2000/svg");
  const paths = findAll(root!, "path").filter((p) => p.attributes.class === "series");
  assert.deepEqual(
    paths.map((p) => p.attributes["data-label"]),
    ["bamsprod", "a&lt;b"],
  );
  assert.equal(findAll(root!, "title")[0].text, "accuracy &lt;test&gt; &amp; more");
  const legendTexts = findAll(root!, "g")
    .filter((g) => g.attributes.class === "legend")
    .flatMap((g) => findAll(g, "text").map((t) => t.text));
  assert.deepEqual(legendTexts, ["bamsprod", "a&lt;b"]);
});

test("a missing value breaks the line instead of joining its neighbours", () => {
  const { root } = parseXml(twoSeries);
  const d = findAll(root!, "path").find((p) => p.attributes["data-label"] === "a&lt;b")!.attributes.d;
  assert.equal(d.match(/M/g)?.length, 2, d);
  assert.equal(d.match(/L/g)?.length, 1, d);
});

test("bands become polygons with a point per edge value; dashed series carry a dash pattern", () => {
  const { root } = parseXml(twoSeries);
  const polygons = findAll(root!, "polygon");
  assert.equal(polygons.length, 1);
  assert.equal(polygons[0].attributes.points.split(" ").length, 6);
  const dashed = findAll(root!, "path").find((p) => p.attributes["data-label"] === "a&lt;b")!;
  assert.equal(dashed.attributes["stroke-dasharray"], "6 4");
});

test("points map linearly into the plot area: the lowest tick is at the bottom edge", () => {
  const svg = lineChart({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    series: [{ label: "s", x: [0, 10], y: [0, 1] }],
  });
  const { root } = parseXml(svg);
  const d = findAll(root!, "path")[0].attributes.d;
  // Plot area: x from 68 to 760-176 = 584, y from 40 to 400-50 = 350; y=0 -> bottom, y=1 -> top.
  assert.equal(d, "M68 350L584 40");
});

test("log axes drop non-positive points and label powers of ten", () => {
  const svg = lineChart({
    title: "flips",
    xLabel: "t",
    yLabel: "flips",
    xScale: "log",
    yScale: "log",
    series: [{ label: "s", x: [1, 10, 100, 1000], y: [0, 5, 50, 500] }],
  });
  const { root, errors } = parseXml(svg);
  assert.deepEqual(errors, []);
  const d = findAll(root!, "path")[0].attributes.d;
  assert.equal(d.match(/M/g)?.length, 1);
  assert.equal(d.match(/L/g)?.length, 2);
  const labels = findAll(root!, "g")
    .filter((g) => g.attributes.class === "tick-labels")
    .flatMap((g) => findAll(g, "text").map((t) => t.text));
  for (const label of ["1", "10", "100", "1000"]) assert.ok(labels.includes(label), `${label} in ${labels}`);
});

test("an empty chart still renders axes", () => {
  const { errors } = parseXml(lineChart({ title: "none", xLabel: "x", yLabel: "y", series: [] }));
  assert.deepEqual(errors, []);
});

test("an epoch axis labels whole epochs only", () => {
  const svg = lineChart({
    title: "t",
    xLabel: "epoch",
    yLabel: "y",
    xIntegers: true,
    series: [{ label: "s", x: [1, 2], y: [0, 1] }],
  });
  const { root } = parseXml(svg);
  const labels = findAll(root!, "text")
    .filter((t) => t.attributes["text-anchor"] === "middle" && /^\d/.test(t.text))
    .map((t) => t.text);
  assert.deepEqual(labels, ["1", "2"]);
});
