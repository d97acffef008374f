/**
 * Stages that change how signs are held (see repr.ts): float values to the bit layout a
 * binary layer reads (bit set when !(v >= 0): sign(0) = +1, NaN: -1), and bits back to +-1
 * floats for a layer that reads values.
 */
import { reprOf, sampleSize, type Repr, type ReprKind } from "./repr.js";
import type { StageCode } from "./stages.js";

export function convertStage(input: Repr, to: ReprKind): StageCode {
  const output = reprOf(to, input.shape);
  const n = sampleSize(input.shape);
  const [c, s] = [input.shape[0], n / input.shape[0]];
  if (input.kind === "float" && output.kind !== "float") {
    const target = output.kind === "rows" ? "i >> 5" : `s * ${output.channelWords}u + (c >> 5)`;
    const bit = output.kind === "rows" ? "i & 31u" : "c & 31u";
    const words = output.kind === "rows" ? output.words : s * output.channelWords;
    return {
      constants: "",
      body: `  uint32_t c, s, i;
  for (i = 0; i < ${words}u; i++) out[i] = 0u;
  for (c = 0, i = 0; c < ${c}u; c++) {
    for (s = 0; s < ${s}u; s++, i++) out[${target}] |= (uint32_t)!(in[i] >= 0.0f) << (${bit});
  }`,
      output,
    };
  }
  if (input.kind !== "float" && output.kind === "float") {
    const word =
      input.kind === "rows"
        ? "in[i >> 5] >> (i & 31u)"
        : `in[s * ${input.channelWords}u + (c >> 5)] >> (c & 31u)`;
    return {
      constants: "",
      body: `  uint32_t c, s, i;
  for (c = 0, i = 0; c < ${c}u; c++) {
    for (s = 0; s < ${s}u; s++, i++) out[i] = ((${word}) & 1u) ? -1.0f : 1.0f;
  }`,
      output,
    };
  }
  if (input.kind === output.kind) throw new Error(`convertStage: nothing to convert (${input.kind})`);
  // rows <-> pixels: through floats.
  throw new Error(`convertStage: no direct conversion from ${input.kind} to ${output.kind}`);
}
