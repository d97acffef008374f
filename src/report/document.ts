/**
 * A report as a list of blocks (headings, paragraphs, tables, figures, code), rendered either
 * as a self-contained HTML page (figures inlined as SVG, styles inline, no scripts, no network)
 * or as Markdown (figures linked as files next to it).
 */
import { escapeXml } from "./xml.js";
import { tableToHtml, tableToMarkdown, type Table } from "./table.js";

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  /** Plain text; `backticks` mark code. */
  | { kind: "paragraph"; text: string }
  | { kind: "list"; items: readonly string[] }
  | { kind: "table"; table: Table }
  /** `file` is the SVG's path relative to the report (Markdown links to it; HTML inlines `svg`). */
  | { kind: "figure"; svg: string; file: string; caption: string }
  | { kind: "code"; text: string };

export interface ReportDocument {
  title: string;
  blocks: readonly Block[];
}

const style = `
body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #ffffff; }
main { max-width: 980px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #dddddd; } h3 { margin-top: 1.2em; }
table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #cccccc; padding: 4px 8px; }
th { background: #f3f3f3; }
td.right, th.right { text-align: right; } td.left, th.left { text-align: left; }
figure { margin: 16px 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #444444; font-size: 0.9em; }
p.note { color: #444444; font-size: 0.9em; margin-top: 0; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; }
code { font-family: ui-monospace, monospace; }
`;

/** A complete HTML page. A Content-Security-Policy forbids every fetch, so it cannot depend on the network. */
export function renderHtml(doc: ReportDocument): string {
  const body = doc.blocks.map(blockToHtml).join("\n");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(doc.title)}</title>`,
    `<style>${style}</style>`,
    "</head>",
    "<body>",
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Markdown; figures become image links to their SVG files. */
export function renderMarkdown(doc: ReportDocument): string {
  return doc.blocks.map(blockToMarkdown).join("\n");
}

function inlineHtml(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith("`") && part.endsWith("`") && part.length >= 2
        ? `<code>${escapeXml(part.slice(1, -1))}</code>`
        : escapeXml(part),
    )
    .join("");
}

function blockToHtml(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level}>${inlineHtml(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${inlineHtml(block.text)}</p>`;
    case "list":
      return `<ul>${block.items.map((i) => `<li>${inlineHtml(i)}</li>`).join("")}</ul>`;
    case "table":
      return tableToHtml(block.table);
    case "figure":
      return `<figure>\n${stripXmlDeclaration(block.svg)}<figcaption>${inlineHtml(block.caption)}</figcaption>\n</figure>`;
    case "code":
      return `<pre><code>${escapeXml(block.text)}</code></pre>`;
  }
}

function blockToMarkdown(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${block.text}\n`;
    case "paragraph":
      return `${block.text}\n`;
    case "list":
      return block.items.map((i) => `- ${i}`).join("\n") + "\n";
    case "table":
      return tableToMarkdown(block.table);
    case "figure":
      return `![${block.caption.replace(/[[\]]/g, "")}](${block.file})\n\n_${block.caption}_\n`;
    case "code":
      return "```\n" + block.text.replace(/\n$/, "") + "\n```\n";
  }
}

function stripXmlDeclaration(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, "");
}
