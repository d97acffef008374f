/**
 * Line charts as standalone SVG text: one or more series against a shared x axis, each with an
 * optional shaded band (e.g. mean +- std over seeds). Hand-written rather than a plotting
 * package: the report must open with no network and no scripts, and these charts need only
 * axes, lines, bands and a legend.
 */
import { escapeXml, coord } from "./xml.js";
import { linearScale, logScale, type Scale } from "./ticks.js";

/** One line of a chart. Points whose x or y is not finite (or not positive on a log axis) are gaps. */
export interface Series {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** Lower and upper edge of a shaded band, same length as y. */
  lower?: readonly number[];
  upper?: readonly number[];
  /** CSS colour; default: the palette entry for the series' position. */
  color?: string;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xScale?: "linear" | "log";
  /** Whole-number x ticks only (epochs). */
  xIntegers?: boolean;
  yScale?: "linear" | "log";
  /** Fixed y range; default: the data's range (bands included). */
  yRange?: readonly [number, number];
  /** Horizontal reference lines, e.g. a target accuracy. */
  references?: readonly { y: number; label: string }[];
  width?: number;
  height?: number;
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
export const palette = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#999999",
];

const margin = { left: 68, right: 176, top: 40, bottom: 50 };

/** Renders the chart as a complete `<svg>` document (no XML declaration, so it can also be inlined in HTML). */
export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 400;
  const plot = {
    x: margin.left,
    y: margin.top,
    w: width - margin.left - margin.right,
    h: height - margin.top - margin.bottom,
  };
  const xs = makeScale(
    spec.series.flatMap((s) => s.x),
    spec.xScale ?? "linear",
    spec.xIntegers === true,
  );
  const yValues = spec.series.flatMap((s) => [...s.y, ...(s.lower ?? []), ...(s.upper ?? [])]);
  for (const r of spec.references ?? []) yValues.push(r.y);
  const ys = spec.yRange
    ? linearScale(spec.yRange[0], spec.yRange[1])
    : makeScale(yValues, spec.yScale ?? "linear");
  const px = (v: number): number => plot.x + xs.fraction(v) * plot.w;
  const py = (v: number): number => plot.y + (1 - ys.fraction(v)) * plot.h;
  const usable = (x: number, y: number): boolean =>
    Number.isFinite(x) && Number.isFinite(y) && (xs.kind !== "log" || x > 0) && (ys.kind !== "log" || y > 0);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `role="img" class="bamsprod-chart" data-series="${spec.series.length}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<desc>${escapeXml(describe(spec))}</desc>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${coord(width / 2 - margin.right / 2 + margin.left / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`,
  );
  parts.push(axes(xs, ys, plot, px, py, spec));
  parts.push(`<g class="data">`);
  spec.series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    if (s.lower && s.upper) parts.push(band(s, color, usable, px, py, clampTo(ys)));
    parts.push(line(s, color, usable, px, py, clampTo(ys)));
    parts.push(markers(s, color, usable, px, py, clampTo(ys)));
  });
  parts.push(`</g>`);
  for (const r of spec.references ?? []) {
    const y = coord(py(r.y));
    parts.push(
      `<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}" stroke="#555555" stroke-dasharray="2 3"/>` +
        `<text x="${plot.x + plot.w - 4}" y="${coord(py(r.y) - 4)}" text-anchor="end" fill="#555555">${escapeXml(r.label)}</text>`,
    );
  }
  parts.push(legend(spec.series, plot));
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

function makeScale(values: number[], kind: "linear" | "log", integers = false): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (kind !== "log" || v > 0));
  if (finite.length === 0) return kind === "log" ? logScale(1, 10) : linearScale(0, 1);
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (kind === "log") return logScale(min, max);
  const scale = linearScale(min, max);
  // Fewer than one unit per interval would label fractional epochs: widen the intervals.
  return integers && (min === max || (scale.ticks.length > 1 && scale.ticks[1] - scale.ticks[0] < 1))
    ? integerScale(min, max)
    : scale;
}

/** Whole-number ticks; a single value sits in the middle of a three-tick axis (not at its edge). */
function integerScale(min: number, max: number): Scale {
  const single = Math.floor(min) === Math.ceil(max);
  const lo = single ? Math.floor(min) - 1 : Math.floor(min);
  const hi = single ? lo + 2 : Math.ceil(max);
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return { kind: "linear", min: lo, max: hi, ticks, fraction: (v) => (v - lo) / (hi - lo), label: String };
}

/** Values outside a fixed y range are drawn on its edge rather than outside the plot. */
function clampTo(ys: Scale): (v: number) => number {
  return (v) => Math.min(ys.max, Math.max(ys.min, v));
}

function axes(
  xs: Scale,
  ys: Scale,
  plot: { x: number; y: number; w: number; h: number },
  px: (v: number) => number,
  py: (v: number) => number,
  spec: ChartSpec,
): string {
  const out: string[] = [`<g class="axes" stroke="#cccccc">`];
  for (const t of ys.ticks) {
    const y = coord(py(t));
    out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}"/>`);
  }
  for (const t of xs.ticks) {
    const x = coord(px(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${plot.y}" y2="${plot.y + plot.h}"/>`);
  }
  out.push(`</g>`);
  out.push(
    `<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="none" stroke="#333333"/>`,
  );
  out.push(`<g class="tick-labels" fill="#333333">`);
  for (const t of ys.ticks) {
    out.push(
      `<text x="${plot.x - 6}" y="${coord(py(t) + 4)}" text-anchor="end">${escapeXml(ys.label(t))}</text>`,
    );
  }
  for (const t of xs.ticks) {
    out.push(
      `<text x="${coord(px(t))}" y="${plot.y + plot.h + 16}" text-anchor="middle">${escapeXml(xs.label(t))}</text>`,
    );
  }
  out.push(`</g>`);
  out.push(
    `<text x="${coord(plot.x + plot.w / 2)}" y="${plot.y + plot.h + 38}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  const cy = coord(plot.y + plot.h / 2);
  out.push(
    `<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeXml(spec.yLabel)}</text>`,
  );
  return out.join("\n");
}

type Usable = (x: number, y: number) => boolean;

/** A path with a move-to after every gap, so missing values do not draw false segments. */
function line(s: Series, color: string, usable: Usable, px: Fn, py: Fn, clamp: Fn): string {
  let d = "";
  let pen = false;
  for (let i = 0; i < s.x.length; i++) {
    if (!usable(s.x[i], s.y[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${coord(px(s.x[i]))} ${coord(py(clamp(s.y[i])))}`;
    pen = true;
  }
  const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
  return `<path class="series" data-label="${escapeXml(s.label)}" d="${d || "M0 0"}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`;
}

/** Series with at most this many points get a marker on every point (a 1-epoch run has one). */
export const MARKER_LIMIT = 40;

/** A dot on every point of a short series, so single points and short runs are visible. */
function markers(s: Series, color: string, usable: Usable, px: Fn, py: Fn, clamp: Fn): string {
  const points = s.x.map((x, i) => [x, s.y[i]]).filter(([x, y]) => usable(x, y));
  if (points.length === 0 || points.length > MARKER_LIMIT) return "";
  const dots = points.map(([x, y]) => `<circle cx="${coord(px(x))}" cy="${coord(py(clamp(y)))}" r="3.5"/>`);
  return `<g class="markers" data-label="${escapeXml(s.label)}" fill="${color}">${dots.join("")}</g>`;
}

/** The band between lower and upper, one polygon per run of usable points. */
function band(s: Series, color: string, usable: Usable, px: Fn, py: Fn, clamp: Fn): string {
  const lower = s.lower ?? [];
  const upper = s.upper ?? [];
  const runs: number[][] = [];
  let run: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    if (usable(s.x[i], lower[i]) && usable(s.x[i], upper[i])) run.push(i);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  const polygons = runs.map((r) => {
    const top = r.map((i) => `${coord(px(s.x[i]))},${coord(py(clamp(upper[i])))}`);
    const bottom = [...r].reverse().map((i) => `${coord(px(s.x[i]))},${coord(py(clamp(lower[i])))}`);
    return `<polygon points="${[...top, ...bottom].join(" ")}"/>`;
  });
  return `<g class="band" fill="${color}" fill-opacity="0.18" stroke="none">${polygons.join("")}</g>`;
}

function legend(series: readonly Series[], plot: { x: number; y: number; w: number }): string {
  const x = plot.x + plot.w + 14;
  const out: string[] = [`<g class="legend">`];
  series.forEach((s, i) => {
    const y = plot.y + 10 + i * 20;
    const color = s.color ?? palette[i % palette.length];
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/>` +
        `<text x="${x + 30}" y="${y + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  out.push(`</g>`);
  return out.join("\n");
}

/** A text alternative for screen readers and for the report's tests. */
function describe(spec: ChartSpec): string {
  const names = spec.series.map((s) => s.label).join(", ");
  return `${spec.yLabel} against ${spec.xLabel} for ${names || "no series"}`;
}

type Fn = (v: number) => number;
