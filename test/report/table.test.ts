import { test } from "node:test";
import assert from "node:assert/strict";
import { tableToMarkdown, tableToHtml, toCsv, type Table } from "../../src/report/index.js";

const table: Table = {
  caption: "Accuracy",
  headers: ["optimizer", "acc | %"],
  rows: [
    ["bamsprod", "85.1 ± 0.2"],
    ["<adam>", "84.0"],
  ],
  note: "mean over seeds",
};

test("markdown tables escape pipes and right-align numeric columns", () => {
  assert.equal(
    tableToMarkdown(table),
    [
      "**Accuracy**",
      "",
      "| optimizer | acc \\| % |",
      "| :--- | ---: |",
      "| bamsprod | 85.1 ± 0.2 |",
      "| <adam> | 84.0 |",
      "",
      "_mean over seeds_",
      "",
    ].join("\n"),
  );
});

test("html tables escape cells and carry a caption", () => {
  const html = tableToHtml(table);
  assert.match(html, /<caption>Accuracy<\/caption>/);
  assert.match(html, /<td class="left">&lt;adam&gt;<\/td><td class="right">84.0<\/td>/);
  assert.match(html, /<p class="note">mean over seeds<\/p>/);
});

test("csv quotes fields with commas, quotes or newlines and leaves missing values empty", () => {
  assert.equal(
    toCsv(
      ["a", "b", "c"],
      [
        ["x,y", 'say "hi"', null],
        ["plain", 1.5, Number.NaN],
      ],
    ),
    'a,b,c\n"x,y","say ""hi""",\nplain,1.5,\n',
  );
});
