/** Tables for the reports: one model, rendered as Markdown, as HTML or as plain text for a terminal. */
import { escapeXml } from "./xml.js";

export interface Table {
  caption?: string;
  headers: readonly string[];
  rows: readonly (readonly string[])[];
  /** Per column; default: left for the first column, right for the others (numbers). */
  align?: readonly ("left" | "right")[];
  /** A note printed under the table (how a number was computed). */
  note?: string;
}

function alignment(table: Table, column: number): "left" | "right" {
  return table.align?.[column] ?? (column === 0 ? "left" : "right");
}

/** GitHub-flavoured Markdown table, caption in bold above it, note in italics below. */
export function tableToMarkdown(table: Table): string {
  const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines: string[] = [];
  if (table.caption) lines.push(`**${table.caption}**`, "");
  lines.push(`| ${table.headers.map(cell).join(" | ")} |`);
  lines.push(
    `| ${table.headers.map((_, i) => (alignment(table, i) === "right" ? "---:" : ":---")).join(" | ")} |`,
  );
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  if (table.note) lines.push("", `_${table.note}_`);
  return lines.join("\n") + "\n";
}

/** Plain text for a terminal: caption, columns padded to their widest cell, a rule, the note. */
export function tableToText(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (alignment(table, i) === "right" ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const lines: string[] = [];
  if (table.caption) lines.push(table.caption);
  lines.push(line(table.headers), widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table.rows) lines.push(line(row));
  if (table.note) lines.push(table.note);
  return lines.join("\n") + "\n";
}

/** HTML `<table>` with a `<caption>`; the note becomes a paragraph after it. */
export function tableToHtml(table: Table): string {
  const out: string[] = ["<table>"];
  if (table.caption) out.push(`<caption>${escapeXml(table.caption)}</caption>`);
  const th = table.headers.map((h, i) => `<th class="${alignment(table, i)}">${escapeXml(h)}</th>`);
  out.push(`<thead><tr>${th.join("")}</tr></thead>`, "<tbody>");
  for (const row of table.rows) {
    out.push(
      `<tr>${row.map((c, i) => `<td class="${alignment(table, i)}">${escapeXml(c)}</td>`).join("")}</tr>`,
    );
  }
  out.push("</tbody>", "</table>");
  if (table.note) out.push(`<p class="note">${escapeXml(table.note)}</p>`);
  return out.join("\n") + "\n";
}

/** RFC 4180 CSV: fields with commas, quotes or newlines are quoted, quotes doubled. */
export function toCsv(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const field = (v: string | number | null): string => {
    const text = v === null ? "" : typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : v;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [headers, ...rows].map((r) => r.map(field).join(",")).join("\n") + "\n";
}
