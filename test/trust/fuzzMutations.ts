/** Seeded mutations of a file's bytes: bit flips, truncations, huge header fields, wrong JSON types. */
import type { Rng } from "../../src/util/random.js";

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 1e9 >>> 0, 65536];
const WRONG: unknown[] = [null, "x", -1, 1e308, 0.5, [], {}, true, [1, 2, 3], "NaN", 1e9];

/** One mutation of `bytes`, chosen by `rng`; `how` describes it for failure reports. */
export function mutate(bytes: Uint8Array, json: boolean, rng: Rng): { bytes: Uint8Array; how: string } {
  const kind = rng.int(json ? 4 : 3);
  const out = Uint8Array.from(bytes);
  if (kind === 0) {
    const flips = 1 + rng.int(8);
    for (let k = 0; k < flips; k++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return { bytes: out, how: `${flips} bit flips` };
  }
  if (kind === 1) {
    const length = rng.int(out.length);
    return { bytes: out.subarray(0, length), how: `truncated to ${length}` };
  }
  if (kind === 2) {
    // A 32-bit field near the start (where headers and counts live) set to a huge value.
    const at = 4 * rng.int(Math.min(16, Math.floor(out.length / 4)));
    const value = HUGE[rng.int(HUGE.length)];
    new DataView(out.buffer).setUint32(at, value, rng.int(2) === 0);
    return { bytes: out, how: `u32 at ${at} = ${value}` };
  }
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
  const path = replaceRandom(doc, rng);
  return { bytes: Buffer.from(JSON.stringify(doc)), how: `JSON ${path.join(".")} replaced` };
}

/** Replaces a randomly chosen value inside `doc` (not the root) by a value of another type. */
function replaceRandom(doc: unknown, rng: Rng): string[] {
  const path: string[] = [];
  let node = doc as Record<string, unknown>;
  for (;;) {
    const keys = Object.keys(node);
    if (keys.length === 0) return path;
    const key = keys[rng.int(keys.length)];
    path.push(key);
    const child = node[key];
    const descend = typeof child === "object" && child !== null && rng.int(3) !== 0;
    if (!descend) {
      node[key] = WRONG[rng.int(WRONG.length)];
      return path;
    }
    node = child as Record<string, unknown>;
  }
}
