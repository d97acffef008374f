import { test } from "node:test";
import assert from "node:assert/strict";
import { renderHtml, renderMarkdown, lineChart, type ReportDocument } from "../../src/report/index.js";

const svg = lineChart({
  title: "c",
  xLabel: "x",
  yLabel: "y",
  series: [{ label: "s", x: [1, 2], y: [1, 2] }],
});
const doc: ReportDocument = {
  title: "Report <1>",
  blocks: [
    { kind: "heading", level: 1, text: "Results" },
    { kind: "paragraph", text: "Run `bamsprod compare --seeds 3` & read." },
    { kind: "list", items: ["one", "two"] },
    { kind: "table", table: { headers: ["a", "b"], rows: [["1", "2"]] } },
    { kind: "figure", svg, file: "plots/c.svg", caption: "A chart" },
    { kind: "code", text: "x < y\n" },
  ],
};

test("html report is self-contained: inline SVG, inline style, a CSP that blocks every fetch", () => {
  const html = renderHtml(doc);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>Report &lt;1&gt;<\/title>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /<figure>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(html, /<p>Run <code>bamsprod compare --seeds 3<\/code> &amp; read.<\/p>/);
  assert.match(html, /<pre><code>x &lt; y\n<\/code><\/pre>/);
  // No external resource: the only URL is the SVG namespace, which is a name, not a fetch.
  const urls = html.match(/(?:src|href)\s*=|url\(|https?:\/\/[^\s"']+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
});

test("markdown report links figures as files and keeps tables and code", () => {
  const md = renderMarkdown(doc);
  assert.match(md, /^# Results\n/);
  assert.match(md, /!\[A chart\]\(plots\/c.svg\)/);
  assert.match(md, /\| a \| b \|\n\| :--- \| ---: \|\n\| 1 \| 2 \|/);
  assert.match(md, /```\nx < y\n```/);
  assert.match(md, /- one\n- two/);
});
