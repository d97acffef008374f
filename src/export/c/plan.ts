/**
 * The stages running a packed model in C, in order, each with the static buffers it reads and
 * writes. A chain of stages alternates between two work buffers; a residual block at nesting
 * depth d first copies its input to `bamsprod_saved{d}` (both paths start from it), and when
 * its shortcut has stages, keeps the body's result in `bamsprod_body{d}` while the shortcut
 * runs in the work buffers; the block ends with the sum of the two.
 */
import type { PackedLayer, PackedSpec, ResidualLayer } from "../format.js";
import { layerShapes } from "../shapes.js";
import { convertStage } from "./convert.js";
import { copyStage, sumStage } from "./residualStages.js";
import { slots, type Repr, type ReprKind } from "./repr.js";
import { isBinaryProduct, stageKind, type StageCode } from "./stages.js";

export interface Stage extends StageCode {
  input: Repr;
  comment: string;
  /** The static buffers (names) the stage reads and writes. */
  from: string;
  to: string;
}

export interface StagePlan {
  stages: Stage[];
  /** Every static buffer and its size in 4-byte slots; the first one receives the pixels. */
  buffers: Map<string, number>;
}

const WORK = ["bamsprod_buffer0", "bamsprod_buffer1"] as const;

/** How the signs a threshold at `index` produces are best held for the layer reading them. */
function signLayoutFor(layers: readonly PackedLayer[], index: number): ReprKind {
  let j = index + 1;
  while (layers[j]?.type === "flatten") j++;
  const reader = layers[j];
  if (reader === undefined || !isBinaryProduct(reader)) return "float";
  if (reader.type === "dense") return "rows";
  return j === index + 1 ? "pixels" : "float";
}

function describe(layer: PackedLayer): string {
  if (layer.type === "dense")
    return `dense ${layer.inFeatures} -> ${layer.outFeatures}${isBinaryProduct(layer) ? " (XNOR-popcount)" : ""}`;
  if (layer.type === "conv2d") {
    return `conv2d ${layer.inChannels} -> ${layer.outChannels}, ${layer.kernelH}x${layer.kernelW}${isBinaryProduct(layer) ? " (XNOR-popcount)" : ""}`;
  }
  return layer.type;
}

/** Throws, naming it, for the first layer (nested ones included) the C export lacks. */
function checkKinds(layers: readonly PackedLayer[], where: string): void {
  layers.forEach((layer, index) => {
    const at = `${where}${index}`;
    if (layer.type === "residual") {
      checkKinds(layer.body, `${at}.body.`);
      checkKinds(layer.shortcut, `${at}.shortcut.`);
    } else if (layer.type !== "flatten") stageKind(layer, at);
  });
}

class Planner {
  readonly stages: Stage[] = [];
  readonly buffers = new Map<string, number>();
  repr: Repr;
  at: string = WORK[0];

  constructor(inputShape: readonly number[]) {
    this.repr = { kind: "float", shape: [...inputShape] };
    this.use(WORK[0], slots(this.repr));
    this.use(WORK[1], 0);
  }

  private use(buffer: string, size: number): void {
    this.buffers.set(buffer, Math.max(this.buffers.get(buffer) ?? 0, size));
  }

  /** Appends a stage reading the current buffer; its output goes to `to` (default: a free work buffer). */
  push(code: StageCode, comment: string, to: string = this.at === WORK[0] ? WORK[1] : WORK[0]): void {
    this.stages.push({ ...code, input: this.repr, comment, from: this.at, to });
    this.use(to, slots(code.output));
    this.repr = code.output;
    this.at = to;
  }

  convertTo(kind: ReprKind): void {
    if (this.repr.kind === kind) return;
    if (this.repr.kind !== "float" && kind !== "float")
      this.push(convertStage(this.repr, "float"), "signs to +-1 values");
    this.push(convertStage(this.repr, kind), `signs as ${kind}`);
  }

  layers(layers: readonly PackedLayer[], prefix: string, depth: number): void {
    layers.forEach((layer, index) => {
      const label = `${prefix}${index}`;
      if (layer.type === "flatten") {
        if (this.repr.kind === "pixels") this.convertTo("float");
        this.repr = { ...this.repr, shape: [this.repr.shape.reduce((a, b) => a * b, 1)] } as Repr;
        return;
      }
      if (layer.type === "residual") {
        this.residual(layer, label, depth);
        return;
      }
      const kind = stageKind(layer, label);
      const needs = kind.needs(layer);
      if (needs !== "any") this.convertTo(needs);
      const name = `bamsprod_l${label.replace(/\./g, "_")}`;
      const signs = layer.type === "threshold" ? signLayoutFor(layers, index) : "float";
      this.push(kind.emit({ layer, input: this.repr, name, signs }), `layer ${label}: ${describe(layer)}`);
    });
  }

  /** y = body(x) + shortcut(x), both paths from a saved copy of x. */
  private residual(layer: ResidualLayer, label: string, depth: number): void {
    this.convertTo("float");
    const input = this.repr;
    const saved = `bamsprod_saved${depth}`;
    this.push(copyStage(input), `layer ${label}: residual block, its input saved`, saved);
    this.layers(layer.body, `${label}.body.`, depth + 1);
    this.convertTo("float");
    if (layer.shortcut.length === 0) {
      this.push(sumStage(this.repr, `${saved}.f`), `layer ${label}: body + input`);
      return;
    }
    const body = `bamsprod_body${depth}`;
    this.push(copyStage(this.repr), `layer ${label}: body result kept`, body);
    this.repr = input;
    this.at = saved;
    this.layers(layer.shortcut, `${label}.shortcut.`, depth + 1);
    this.convertTo("float");
    this.push(sumStage(this.repr, `${body}.f`), `layer ${label}: shortcut + body`);
  }
}

/**
 * The stages of a packed model and the buffers they use.
 * @throws Error naming the first layer whose kind the C export lacks.
 */
export function planStages(spec: PackedSpec): StagePlan {
  checkKinds(spec.layers, ""); // an unsupported kind, before anything else
  layerShapes(spec); // validates the layer list
  const planner = new Planner(spec.inputShape);
  planner.layers(spec.layers, "", 0);
  planner.convertTo("float");
  return { stages: planner.stages, buffers: planner.buffers };
}
