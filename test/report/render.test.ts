import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCompare } from "../../src/experiments/index.js";
import { fakeCompareConfig, fakeRunner } from "../experiments/fakeRunner.js";
import { findChromium, dumpDom } from "./chromium.js";

/**
 * Measures the rendered page the way a reader sees it: every figure's size and drawn line
 * lengths, every table's rows, whether each inline SVG parses as XML, and whether anything
 * was fetched. The result is written into the DOM, which --dump-dom then prints.
 */
const probe = `<script>
(() => {
  const figures = [...document.querySelectorAll("figure svg")].map((svg) => {
    const box = svg.getBoundingClientRect();
    const lines = [...svg.querySelectorAll("path.series")].map((p) => p.getTotalLength());
    const xml = new DOMParser().parseFromString(new XMLSerializer().serializeToString(svg), "image/svg+xml");
    return { width: box.width, height: box.height, lines, parses: xml.querySelector("parsererror") === null,
             title: svg.querySelector("title").textContent };
  });
  const tables = [...document.querySelectorAll("table")].map((t) => ({
    caption: t.caption ? t.caption.textContent : "", rows: t.tBodies[0].rows.length, height: t.getBoundingClientRect().height }));
  const result = { figures, tables, headings: [...document.querySelectorAll("h2")].map((h) => h.textContent),
                   fetched: performance.getEntriesByType("resource").length };
  const pre = document.createElement("pre");
  pre.id = "render-check";
  pre.textContent = JSON.stringify(result).replace(/[<>&]/g, (c) => "\\\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  document.body.appendChild(pre);
})();
</script>`;

test("report.html renders in headless Chromium with its plots and tables and no network", async (t) => {
  const browser = findChromium();
  if (browser === null) {
    t.skip("chromium is not installed (apt-get install chromium); the rendering check needs it");
    return;
  }
  const out = mkdtempSync(join(tmpdir(), "bamsprod-render-"));
  try {
    const config = fakeCompareConfig(out);
    await runCompare(config, fakeRunner().run, "bamsprod compare (render test)");
    const html = readFileSync(join(out, "report.html"), "utf8");
    // The report's CSP forbids scripts; the probe runs in a copy without it.
    const probed = html
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "")
      .replace("</body>", `${probe}</body>`);
    assert.notEqual(probed, html);
    const page = join(out, "probe.html");
    writeFileSync(page, probed);
    const dom = await dumpDom(browser, page);
    const match = /<pre id="render-check">([^<]*)<\/pre>/.exec(dom);
    assert.ok(match, "the probe ran and wrote its result");
    const result = JSON.parse(match[1].replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as {
      figures: { width: number; height: number; lines: number[]; parses: boolean; title: string }[];
      tables: { caption: string; rows: number; height: number }[];
      headings: string[];
      fetched: number;
    };
    assert.equal(result.figures.length, 6);
    for (const f of result.figures) {
      assert.ok(f.width > 300 && f.height > 150, `${f.title} is laid out (${f.width}x${f.height})`);
      assert.ok(f.parses, `${f.title} parses as SVG`);
      assert.equal(f.lines.length, 3, f.title);
    }
    // Accuracy and loss lines have length; Bop's flip ratio is zero in the double, so not drawn on a log axis.
    const drawn = result.figures.flatMap((f) => f.lines).filter((l) => l > 10).length;
    assert.ok(drawn >= 16, `${drawn} lines drawn`);
    assert.deepEqual(
      result.tables.map((tb) => [tb.caption, tb.rows]),
      [
        ["Final test accuracy (%), mean ± std over seeds", 6],
        ["Time to first reach the target validation accuracy, and the area under the validation curve", 6],
        ["bamsprod against each baseline", 4],
        // 18 grid points, and one more per model where bop's grid grew past its edge.
        ["Tuning on the validation split", 20],
      ],
    );
    assert.ok(result.tables.every((tb) => tb.height > 50));
    assert.ok(result.headings.includes("Final test accuracy") && result.headings.includes("Curves: bcnn"));
    assert.equal(result.fetched, 0, "the page fetched nothing");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
