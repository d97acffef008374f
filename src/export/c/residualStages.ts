/**
 * The C stages of residual models: average pooling and RPReLU (registered in STAGES), and the
 * copy and sum stages of a residual block (placed by plan.ts). Same arithmetic as the
 * TypeScript runtime (src/export/runtime/residual.ts, the portable avgPoolForward), to the bit.
 */
import type { AvgPool2DLayer, RPReLULayer } from "../format.js";
import { floatArray } from "./literals.js";
import { sampleSize, type Repr } from "./repr.js";
import type { StageCode, StageInput } from "./stages.js";

/** out = in, a float activation. */
export function copyStage(input: Repr): StageCode {
  const n = sampleSize(input.shape);
  return {
    constants: "",
    body: `  uint32_t i;\n  for (i = 0; i < ${n}u; i++) out[i] = in[i];`,
    output: input,
  };
}

/** out = fround(in + other), `other` a float array expression of the same shape. */
export function sumStage(input: Repr, other: string): StageCode {
  const n = sampleSize(input.shape);
  return {
    constants: "",
    body: `  uint32_t i;\n  for (i = 0; i < ${n}u; i++) out[i] = (float)((double)in[i] + (double)${other}[i]);`,
    output: input,
  };
}

/** Window means: the window summed in double in row order, times 1 / size^2, rounded once. */
export function avgPool({ layer, input }: StageInput<AvgPool2DLayer>): StageCode {
  const [c, h, w] = input.shape;
  const oh = Math.floor((h - layer.size) / layer.stride) + 1;
  const ow = Math.floor((w - layer.size) / layer.stride) + 1;
  const body = `  const double inv = 1.0 / ${layer.size * layer.size}.0;
  uint32_t p, y, x, i, j, o = 0;
  for (p = 0; p < ${c}u; p++) {
    for (y = 0; y < ${oh}u; y++) {
      for (x = 0; x < ${ow}u; x++, o++) {
        const float *corner = in + (p * ${h}u + y * ${layer.stride}u) * ${w}u + x * ${layer.stride}u;
        double sum = 0.0;
        for (i = 0; i < ${layer.size}u; i++) {
          for (j = 0; j < ${layer.size}u; j++) sum += (double)corner[i * ${w}u + j];
        }
        out[o] = (float)(sum * inv);
      }
    }
  }`;
  return { constants: "", body, output: { kind: "float", shape: [c, oh, ow] } };
}

/** u = fround(x - shiftIn[c]); y = fround(p * u + (1 - p) * fround(alpha[c] * u) + shiftOut[c]), p = u > 0. */
export function rprelu({ layer, input, name }: StageInput<RPReLULayer>): StageCode {
  const c = input.shape[0];
  const s = sampleSize(input.shape) / c;
  const constants =
    floatArray(`${name}_shift_in`, layer.shiftIn) +
    floatArray(`${name}_alpha`, layer.alpha) +
    floatArray(`${name}_shift_out`, layer.shiftOut);
  // The runtime's branch-free select, evaluated in the same order (zero signs included).
  const body = `  uint32_t c, s, i = 0;
  for (c = 0; c < ${c}u; c++) {
    for (s = 0; s < ${s}u; s++, i++) {
      const float u = (float)((double)in[i] - (double)${name}_shift_in[c]);
      const double p = u > 0.0f ? 1.0 : 0.0;
      const float au = (float)((double)${name}_alpha[c] * (double)u);
      out[i] = (float)(p * (double)u + (1.0 - p) * (double)au + (double)${name}_shift_out[c]);
    }
  }`;
  return { constants, body, output: input };
}
