/**
 * How an activation is held in the generated C, between two stages: float values (NCHW), or
 * signs as bits (set = -1) in the layout of the binary layer that reads them, as in the
 * TypeScript runtime (src/export/runtime/activations.ts):
 * - "rows": the flattened (C, H, W) signs of the image, 32 per uint32_t word;
 * - "pixels": for each pixel (H, W), its channels' signs in `channelWords` words.
 */
export type Repr =
  | { kind: "float"; shape: number[] }
  | { kind: "rows"; shape: number[]; words: number }
  | { kind: "pixels"; shape: number[]; channelWords: number };

export type ReprKind = Repr["kind"];

export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The representation `kind` of an activation of `shape`. */
export function reprOf(kind: ReprKind, shape: number[]): Repr {
  if (kind === "float") return { kind, shape };
  if (kind === "rows") return { kind, shape, words: Math.ceil(sampleSize(shape) / 32) };
  return { kind, shape, channelWords: Math.ceil(shape[0] / 32) };
}

/** 4-byte slots the activation takes in a stage buffer. */
export function slots(r: Repr): number {
  if (r.kind === "float") return sampleSize(r.shape);
  if (r.kind === "rows") return r.words;
  return (sampleSize(r.shape) / r.shape[0]) * r.channelWords;
}

/** The C element type of the activation. */
export function cType(r: Repr): "float" | "uint32_t" {
  return r.kind === "float" ? "float" : "uint32_t";
}

/** The union member of a stage buffer that holds it. */
export function member(r: Repr): "f" | "w" {
  return r.kind === "float" ? "f" : "w";
}
