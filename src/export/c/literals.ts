/**
 * C99 literals of the generated model: arrays whose values read back exactly (floats and
 * doubles as their shortest round-trip decimal, which C compilers parse correctly rounded),
 * wrapped to short lines.
 */

const PER_LINE = 8;

/** A C literal equal to `value` (a float32 or double): shortest round-trip decimal. */
export function realLiteral(value: number): string {
  if (Number.isNaN(value)) return "NAN";
  if (value === Infinity) return "INFINITY";
  if (value === -Infinity) return "-INFINITY";
  if (Object.is(value, -0)) return "-0.0";
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function wrap(items: string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += PER_LINE) lines.push("  " + items.slice(i, i + PER_LINE).join(", "));
  return lines.join(",\n");
}

/** `static const TYPE NAME[n] = {...};` (a zero-length array holds one unused 0: C forbids empty ones). */
function constArray(type: string, name: string, items: string[]): string {
  const body = items.length === 0 ? ["0"] : items;
  return `static const ${type} ${name}[${body.length}] = {\n${wrap(body)}\n};\n`;
}

export function floatArray(name: string, values: ArrayLike<number>): string {
  return constArray("float", name, Array.from(values, realLiteral));
}

export function doubleArray(name: string, values: ArrayLike<number>): string {
  return constArray("double", name, Array.from(values, realLiteral));
}

export function wordArray(name: string, words: Uint32Array): string {
  return constArray(
    "uint32_t",
    name,
    Array.from(words, (w) => `0x${w.toString(16).padStart(8, "0")}u`),
  );
}

export function byteArray(name: string, bytes: ArrayLike<number>): string {
  return constArray("uint8_t", name, Array.from(bytes, String));
}

/** A C string literal (escapes quotes, backslashes and anything outside printable ASCII). */
export function stringLiteral(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f && b !== 0x3f) out += String.fromCharCode(b);
    else out += "\\" + b.toString(8).padStart(3, "0"); // octal: hex escapes would swallow digits after them
  }
  return out + '"';
}
