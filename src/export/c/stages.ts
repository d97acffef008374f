/**
 * One C stage per packed layer kind: the constants it needs and the body of
 * `static void NAME(const IN *in, OUT *out)`, reproducing the TypeScript runtime's arithmetic
 * to the bit (float32 results of double expressions, rounded once; the float products of the
 * portable gemm, summed in double per 256-deep block and accumulated in float32; XNOR and
 * popcount sums as exact integers). Every layer kind is dispatched in `STAGES`, the one place
 * to add a new op; a kind missing there is an error naming it. Residual blocks and flatten are
 * no stages of their own: plan.ts lays them out.
 */
import type {
  Conv2DLayer,
  DenseLayer,
  MaxPool2DLayer,
  PackedLayer,
  PackedLayerType,
  ThresholdLayer,
} from "../format.js";
import { floatKernel, rowWords, tapWords } from "./kernels.js";
import { byteArray, doubleArray, floatArray, wordArray } from "./literals.js";
import { reprOf, sampleSize, type Repr, type ReprKind } from "./repr.js";
import { avgPool, rprelu } from "./residualStages.js";

/** Depth of one double-precision block of the portable gemm (src/kernels/portable/gemm.ts KC). */
export const GEMM_BLOCK = 256;

export interface StageCode {
  constants: string;
  body: string;
  output: Repr;
}

/** What a stage emitter is given: its layer, its input, a prefix for its constants. */
export interface StageInput<L extends PackedLayer> {
  layer: L;
  input: Repr;
  name: string;
  /** The representation the next reader wants for signs (threshold stages only). */
  signs: ReprKind;
}

interface StageKind<L extends PackedLayer> {
  /** The representation the stage reads ("any": as it comes). */
  needs: (layer: L) => ReprKind | "any";
  emit: (s: StageInput<L>) => StageCode;
}

type StageTable = { [K in PackedLayerType]?: StageKind<Extract<PackedLayer, { type: K }>> };

/** True when the layer multiplies +-1 inputs by a 1-bit kernel (XNOR + popcount). */
export function isBinaryProduct(layer: PackedLayer): layer is DenseLayer | Conv2DLayer {
  return (
    (layer.type === "dense" || layer.type === "conv2d") && layer.binaryInput && layer.kernel.kind === "bits"
  );
}

const channelsAndSpatial = (shape: readonly number[]): [number, number] => [
  shape[0],
  sampleSize(shape) / shape[0],
];

/** A per-channel loop `out[i] = EXPR(in[i], c)` over a [C, ...] float activation. */
function perChannel(shape: readonly number[], expr: (x: string) => string): string {
  const [c, s] = channelsAndSpatial(shape);
  return `  uint32_t c, s, i = 0;
  for (c = 0; c < ${c}u; c++) {
    for (s = 0; s < ${s}u; s++, i++) out[i] = ${expr("in[i]")};
  }`;
}

/** The input value a product reads: the sign of it for a binary input (sign(0) = +1, NaN: -1). */
function productInput(layer: DenseLayer | Conv2DLayer, x: string): string {
  return layer.binaryInput ? `(${x} >= 0.0f ? 1.0 : -1.0)` : `(double)${x}`;
}

/** A named per-channel constant array: [C name, values]. */
type ChannelConstants = [string, ArrayLike<number>];

/**
 * y = fround(x * scale[c] + offset[c]) in double (no scale: x + offset[c]), a float stage;
 * `array` declares the constants (float or double).
 */
function affine(
  input: Repr,
  array: (name: string, values: ArrayLike<number>) => string,
  offset: ChannelConstants,
  scale: ChannelConstants | null = null,
): StageCode {
  const times = scale === null ? "" : ` * ${scale[0]}[c]`;
  return {
    constants: (scale === null ? "" : array(...scale)) + array(...offset),
    body: perChannel(input.shape, (x) => `(float)((double)${x}${times} + ${offset[0]}[c])`),
    output: input,
  };
}

const STAGES: StageTable = {
  rescale: {
    needs: () => "float",
    emit: ({ layer, input, name: n }) =>
      affine(input, floatArray, [`${n}_offset`, layer.offset], [`${n}_scale`, layer.scale]),
  },
  bias: {
    needs: () => "float",
    emit: ({ layer, input, name: n }) => affine(input, floatArray, [`${n}_bias`, layer.values]),
  },
  scale_shift: {
    needs: () => "float",
    emit: ({ layer, input, name: n }) =>
      affine(input, doubleArray, [`${n}_shift`, layer.shift], [`${n}_scale`, layer.scale]),
  },
  max_pool2d: { needs: () => "float", emit: maxPool },
  threshold: { needs: () => "float", emit: threshold },
  dense: { needs: (l) => (isBinaryProduct(l) ? "rows" : "float"), emit: dense },
  conv2d: { needs: (l) => (isBinaryProduct(l) ? "pixels" : "float"), emit: conv },
  avg_pool2d: { needs: () => "float", emit: avgPool },
  rprelu: { needs: () => "float", emit: rprelu },
};

/**
 * The emitter of a layer kind; `at` says where the layer is ("3", "4.body.0").
 * @throws Error naming the kind when the C export lacks it.
 */
export function stageKind(layer: PackedLayer, at: string): StageKind<PackedLayer> {
  const kind = STAGES[layer.type] as StageKind<PackedLayer> | undefined;
  if (kind === undefined) {
    throw new Error(
      `the C export does not support layer ${at} of type "${layer.type}"; add it to STAGES in src/export/c/stages.ts`,
    );
  }
  return kind;
}

function maxPool({ layer, input }: StageInput<MaxPool2DLayer>): StageCode {
  const [c, h, w] = input.shape;
  const oh = Math.floor((h - layer.size) / layer.stride) + 1;
  const ow = Math.floor((w - layer.size) / layer.stride) + 1;
  const body = `  uint32_t p, y, x, i, j, o = 0;
  for (p = 0; p < ${c}u; p++) {
    for (y = 0; y < ${oh}u; y++) {
      for (x = 0; x < ${ow}u; x++, o++) {
        const float *corner = in + (p * ${h}u + y * ${layer.stride}u) * ${w}u + x * ${layer.stride}u;
        float best = corner[0];
        for (i = 0; i < ${layer.size}u; i++) {
          for (j = 0; j < ${layer.size}u; j++) {
            const float v = corner[i * ${w}u + j];
            best = v > best ? v : best;
          }
        }
        out[o] = best;
      }
    }
  }`;
  return { constants: "", body, output: { kind: "float", shape: [c, oh, ow] } };
}

/** -1 (bit set) unless (x >= threshold) XOR flip. */
function threshold({ layer, input, name, signs }: StageInput<ThresholdLayer>): StageCode {
  const [c, s] = channelsAndSpatial(input.shape);
  const output = reprOf(signs, input.shape);
  const constants = floatArray(`${name}_threshold`, layer.thresholds) + byteArray(`${name}_flip`, layer.flip);
  const negative = `((uint32_t)(in[i] >= ${name}_threshold[c]) ^ ${name}_flip[c] ^ 1u)`;
  let store: string;
  let clear = "";
  if (output.kind === "float") store = `out[i] = ${negative} ? -1.0f : 1.0f;`;
  else if (output.kind === "rows") {
    clear = `  for (i = 0; i < ${output.words}u; i++) out[i] = 0u;\n  i = 0;\n`;
    store = `out[i >> 5] |= ${negative} << (i & 31u);`;
  } else {
    clear = `  for (i = 0; i < ${s * output.channelWords}u; i++) out[i] = 0u;\n  i = 0;\n`;
    store = `out[s * ${output.channelWords}u + (c >> 5)] |= ${negative} << (c & 31u);`;
  }
  const body = `  uint32_t c, s, i;
${clear}  for (c = 0, i = 0; c < ${c}u; c++) {
    for (s = 0; s < ${s}u; s++, i++) ${store}
  }`;
  return { constants, body, output };
}

function dense(s: StageInput<DenseLayer>): StageCode {
  const { layer, name } = s;
  const n = layer.inFeatures;
  const output: Repr = { kind: "float", shape: [layer.outFeatures] };
  if (isBinaryProduct(layer) && layer.kernel.kind === "bits") {
    const words = Math.ceil(n / 32);
    const body = `  uint32_t o, w;
  for (o = 0; o < ${layer.outFeatures}u; o++) {
    const uint32_t *row = ${name}_kernel + o * ${words}u;
    uint32_t differ = 0;
    for (w = 0; w < ${words}u; w++) differ += BAMSPROD_POPCOUNT(in[w] ^ row[w]);
    out[o] = (float)((int32_t)${n} - 2 * (int32_t)differ);
  }`;
    return {
      constants: wordArray(`${name}_kernel`, rowWords(layer.kernel.bits, layer.outFeatures, n)),
      body,
      output,
    };
  }
  const kernel = floatKernel(layer, layer.outFeatures * n, `${name}_kernel`);
  const body = `  uint32_t o, k;
  for (o = 0; o < ${layer.outFeatures}u; o++) {
    float y = 0.0f;
    double sum = 0.0;
    for (k = 0; k < ${n}u; k++) {
      const double x = ${productInput(layer, "in[k]")};
      sum += ${kernel.times(`o * ${n}u + k`, "x")};
      if ((k + 1u) % ${GEMM_BLOCK}u == 0u || k + 1u == ${n}u) {
        y = (float)((double)y + sum);
        sum = 0.0;
      }
    }
    out[o] = y;
  }`;
  return { constants: kernel.constant, body, output };
}

function convOutput(layer: Conv2DLayer, shape: readonly number[]): number[] {
  const oh = Math.floor((shape[1] + 2 * layer.padH - layer.kernelH) / layer.strideH) + 1;
  const ow = Math.floor((shape[2] + 2 * layer.padW - layer.kernelW) / layer.strideW) + 1;
  return [layer.outChannels, oh, ow];
}

/** The loops over output positions and kernel taps, with `ih`/`iw` the input pixel (maybe outside). */
function tapLoops(
  layer: Conv2DLayer & { inH: number; inW: number },
  out: number[],
  inner: string,
  perPosition: [string, string],
): string {
  return `  for (oh = 0; oh < ${out[1]}; oh++) {
    for (ow = 0; ow < ${out[2]}; ow++) {
${perPosition[0]}
      for (kh = 0; kh < ${layer.kernelH}; kh++) {
        const int32_t ih = oh * ${layer.strideH} - ${layer.padH} + kh;
        for (kw = 0; kw < ${layer.kernelW}; kw++) {
          const int32_t iw = ow * ${layer.strideW} - ${layer.padW} + kw;
          const int inside = ih >= 0 && ih < ${layer.inH} && iw >= 0 && iw < ${layer.inW};
${inner}
        }
      }
${perPosition[1]}
    }
  }`;
}

function conv(s: StageInput<Conv2DLayer>): StageCode {
  const { layer, input, name } = s;
  const [c, h, w] = input.shape;
  const out = convOutput(layer, input.shape);
  const geometry = { ...layer, inH: h, inW: w };
  const positions = `${out[1] * out[2]}`;
  const output: Repr = { kind: "float", shape: out };
  if (isBinaryProduct(layer) && layer.kernel.kind === "bits") {
    const cw = Math.ceil(c / 32);
    const inner = `          if (!inside) continue;
          valid++;
          for (o = 0; o < ${layer.outChannels}u; o++) {
            const uint32_t *px = in + ((uint32_t)ih * ${w}u + (uint32_t)iw) * ${cw}u;
            const uint32_t *wt = ${name}_kernel + ((o * ${layer.kernelH}u + (uint32_t)kh) * ${layer.kernelW}u + (uint32_t)kw) * ${cw}u;
            for (k = 0; k < ${cw}u; k++) differ[o] += BAMSPROD_POPCOUNT(px[k] ^ wt[k]);
          }`;
    const start = `      int32_t valid = 0;
      for (o = 0; o < ${layer.outChannels}u; o++) differ[o] = 0;`;
    const end = `      for (o = 0; o < ${layer.outChannels}u; o++) {
        out[o * ${positions}u + (uint32_t)(oh * ${out[2]} + ow)] = (float)(valid * ${c} - 2 * (int32_t)differ[o]);
      }`;
    const body = `  static uint32_t differ[${layer.outChannels}];
  int32_t oh, ow, kh, kw;
  uint32_t o, k;
${tapLoops(geometry, out, inner, [start, end])}`;
    return { constants: wordArray(`${name}_kernel`, tapWords(layer, layer.kernel.bits)), body, output };
  }
  const depth = c * layer.kernelH * layer.kernelW;
  const kernel = floatKernel(layer, layer.outChannels * depth, `${name}_kernel`);
  // Per filter and position: the gemm's depth order (c, kh, kw), padded taps adding nothing.
  const body = `  int32_t oh, ow, kh, kw;
  uint32_t o, ch;
  for (o = 0; o < ${layer.outChannels}u; o++) {
    float *plane = out + o * ${positions}u;
${indent(
  `for (oh = 0; oh < ${out[1]}; oh++) {
  for (ow = 0; ow < ${out[2]}; ow++) {
    float y = 0.0f;
    double sum = 0.0;
    uint32_t k = 0;
    for (ch = 0; ch < ${c}u; ch++) {
      for (kh = 0; kh < ${layer.kernelH}; kh++) {
        const int32_t ih = oh * ${layer.strideH} - ${layer.padH} + kh;
        for (kw = 0; kw < ${layer.kernelW}; kw++, k++) {
          const int32_t iw = ow * ${layer.strideW} - ${layer.padW} + kw;
          if (ih >= 0 && ih < ${h} && iw >= 0 && iw < ${w}) {
            const double x = ${productInput(layer, `in[(ch * ${h}u + (uint32_t)ih) * ${w}u + (uint32_t)iw]`)};
            sum += ${kernel.times(`o * ${depth}u + k`, "x")};
          }
          if ((k + 1u) % ${GEMM_BLOCK}u == 0u || k + 1u == ${depth}u) {
            y = (float)((double)y + sum);
            sum = 0.0;
          }
        }
      }
    }
    plane[oh * ${out[2]} + ow] = y;
  }
}`,
  4,
)}
  }`;
  return { constants: kernel.constant, body, output };
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}
