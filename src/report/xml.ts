/** Escaping and number formatting shared by the SVG, HTML and Markdown writers. */

/** Escapes text for XML/HTML element content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Formats a number for a label: `digits` significant digits, no trailing zeros, exponent form
 * only for very large or very small magnitudes. Non-finite values print as "n/a".
 */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split("e");
    return `${trimZeros(mantissa)}e${Number(exponent)}`;
  }
  // Number() turns toPrecision's occasional exponent form ("1.00e+3") back into plain digits.
  return String(Number(value.toPrecision(digits)));
}

/** Coordinates in SVG output: two decimals are below a pixel's visible precision. */
export function coord(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
