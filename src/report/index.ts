/** Report building blocks: SVG line charts, tables (Markdown, HTML, CSV) and report documents. */
export { lineChart, palette, type ChartSpec, type Series } from "./svgChart.js";
export { tableToHtml, tableToMarkdown, tableToText, toCsv, type Table } from "./table.js";
export { renderHtml, renderMarkdown, type Block, type ReportDocument } from "./document.js";
export { escapeXml, formatNumber } from "./xml.js";
export { linearScale, logScale, niceStep, type Scale } from "./ticks.js";
