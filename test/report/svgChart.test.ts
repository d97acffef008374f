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

/** The tick labels of one axis: x labels are centred under the plot, y labels end at its edge. */
function tickLabels(svg: string, axis: "x" | "y"): string[] {
  const { root } = parseXml(svg);
  const group = findAll(root!, "g").find((g) => g.attributes.class === "tick-labels")!;
  return findAll(group, "text")
    .filter((t) => t.attributes["text-anchor"] === (axis === "x" ? "middle" : "end"))
    .map((t) => t.text);
}

test("a 1-epoch run: one point per series, each marked, centred on an epoch axis, distinct loss ticks", () => {
  const svg = lineChart({
    title: "loss",
    xLabel: "epoch",
    yLabel: "loss",
    xIntegers: true,
    series: [
      { label: "bamsprod", x: [1], y: [1.3182] },
      { label: "adam", x: [1], y: [1.3207] },
    ],
  });
  const { root, errors } = parseXml(svg);
  assert.deepEqual(errors, []);
  const marks = findAll(root!, "g").filter((g) => g.attributes.class === "markers");
  assert.deepEqual(
    marks.map((g) => [g.attributes["data-label"], findAll(g, "circle").length]),
    [
      ["bamsprod", 1],
      ["adam", 1],
    ],
  );
  // The point sits in the middle of the x axis (0, 1, 2), not on its left edge.
  assert.deepEqual(tickLabels(svg, "x"), ["0", "1", "2"]);
  const cx = Number(findAll(marks[0], "circle")[0].attributes.cx);
  const frame = findAll(root!, "rect").find((r) => r.attributes.stroke === "#333333")!;
  const left = Number(frame.attributes.x);
  const width = Number(frame.attributes.width);
  assert.ok(Math.abs(cx - (left + width / 2)) < 0.01, `marker at ${cx}, plot ${left}..${left + width}`);
  const y = tickLabels(svg, "y");
  assert.equal(new Set(y).size, y.length, `repeated y tick labels: ${y.join(", ")}`);
  assert.ok(y.length >= 3, y.join(", "));
});

test("a flat series gets a few round ticks around its value; long series get no markers", () => {
  const flat = lineChart({
    title: "t",
    xLabel: "step",
    yLabel: "y",
    series: [{ label: "s", x: [0, 1, 2], y: [1.32, 1.32, 1.32] }],
  });
  assert.deepEqual(tickLabels(flat, "y"), ["1.1", "1.2", "1.3", "1.4", "1.5"]);
  const x = Array.from({ length: 100 }, (_, i) => i);
  const long = lineChart({
    title: "t",
    xLabel: "step",
    yLabel: "y",
    series: [{ label: "s", x, y: x.map(Math.sqrt) }],
  });
  assert.doesNotMatch(long, /class="markers"/);
});
