/**
 * Models from JSON, in the form `Sequential.config()` returns: `{ name, inputShape, classes,
 * seed, layers: [{ kind, name, config }] }`. Every problem is one error naming the layer by its
 * place in the file (`layers[3] (quant_dense)`) and the option at fault.
 */
import { BamsprodError, show } from "../util/errors.js";
import { checkOptionType, layerKinds, layerType, type ChildBuilder } from "./layerTypes.js";
import { Sequential } from "./model.js";
import type { Layer } from "./types.js";

/** The JSON form of a model (what `Sequential.config()` returns; inputShape, classes, seed optional). */
export interface ModelConfig {
  name?: string;
  inputShape?: number[];
  classes?: number;
  seed?: number;
  layers: LayerConfig[];
}

/** One layer: its kind, optional name, and options (see docs/own-data.md for the vocabulary). */
export interface LayerConfig {
  kind: string;
  name?: string;
  config?: Record<string, unknown>;
}

/** A model config whose layers are parsed (options checked) but not yet built. */
export interface ParsedModel {
  name: string;
  /** inputShape and classes as the file declares them, if it does. */
  inputShape?: number[];
  classes?: number;
  seed?: number;
  /** Fresh layers, one per call: a layer can only belong to one model. */
  layers(): Layer[];
  /** Derived options to check against the input shape, by top-level index. */
  derived: Array<Array<[option: string, value: number]>>;
}

const modelKeys = [
  "name",
  "inputShape",
  "classes",
  "seed",
  "layers",
  "format",
  "version",
  "classNames",
  "tensors",
  "info",
];

/**
 * Checks a model config without building it: unknown layer kinds and options, options of the
 * wrong type or out of range. `source` (a file name) starts every error message.
 */
export function parseModelConfig(json: unknown, source = "model config"): ParsedModel {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new BamsprodError(`${source}: expected a JSON object with a "layers" list, got ${show(json)}`);
  }
  const doc = json as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!modelKeys.includes(key)) {
      throw new BamsprodError(
        `${source}: unknown key ${show(key)}; a model has name, inputShape, classes, seed, layers`,
      );
    }
  }
  if (!Array.isArray(doc.layers) || doc.layers.length === 0) {
    throw new BamsprodError(`${source}: "layers" must be a non-empty list of {"kind": ..., "config": {...}}`);
  }
  const inputShape = optionalShape(source, doc.inputShape);
  const classes = optionalInt(source, "classes", doc.classes, 1);
  const seed = optionalInt(source, "seed", doc.seed, 0);
  if (doc.name !== undefined && typeof doc.name !== "string") {
    throw new BamsprodError(`${source}: "name" must be a string, got ${show(doc.name)}`);
  }
  const entries = doc.layers as unknown[];
  const derived = entries.map((e, i) => derivedOf(e, `${source}: layers[${i}]`));
  const layers = (): Layer[] => buildLayers(entries, `${source}: layers`);
  layers(); // validates every option now
  return {
    name: (doc.name as string | undefined) ?? "sequential",
    inputShape,
    classes,
    seed,
    layers,
    derived,
  };
}

/**
 * Builds a model from its JSON form. `options` override the file's inputShape, classes and seed
 * (the data decides the shape and the classes); the file's values, when present, must agree.
 * @example
 * const model = modelFromConfig(JSON.parse(readFileSync("model.json", "utf8")), { inputShape: [1, 28, 28], classes: 10 });
 */
export function modelFromConfig(
  json: unknown,
  options: { inputShape?: readonly number[]; classes?: number; seed?: number; source?: string } = {},
): Sequential {
  const source = options.source ?? "model config";
  return buildParsedModel(parseModelConfig(json, source), options, source);
}

/** Builds a parsed model for an input shape, naming the layer whose shape does not fit. */
export function buildParsedModel(
  parsed: ParsedModel,
  options: { inputShape?: readonly number[]; classes?: number; seed?: number },
  source: string,
): Sequential {
  const inputShape = options.inputShape ?? parsed.inputShape;
  if (inputShape === undefined) {
    throw new BamsprodError(`${source}: no inputShape; add "inputShape": [C, H, W] or train it on data`);
  }
  if (parsed.inputShape !== undefined && parsed.inputShape.join(",") !== inputShape.join(",")) {
    throw new BamsprodError(
      `${source} declares inputShape [${parsed.inputShape.join(", ")}] but the data's images are [${inputShape.join(", ")}]; ` +
        `change "inputShape" in the file (or remove it to take the data's)`,
    );
  }
  const classes = options.classes ?? parsed.classes;
  if (parsed.classes !== undefined && classes !== parsed.classes) {
    throw new BamsprodError(
      `${source} declares ${parsed.classes} classes but the data has ${classes}; change "classes" and the last layer's units`,
    );
  }
  const layers = parsed.layers();
  checkShapes(layers, parsed, inputShape, classes, source);
  return new Sequential(layers, {
    inputShape,
    classes,
    seed: options.seed ?? parsed.seed ?? 0,
    name: parsed.name,
  });
}

/** Walks the shapes layer by layer so a mismatch names the layer's place and the option. */
function checkShapes(
  layers: Layer[],
  parsed: ParsedModel,
  inputShape: readonly number[],
  classes: number | undefined,
  source: string,
): void {
  let shape: readonly number[] = inputShape;
  layers.forEach((layer, i) => {
    const where = `${source}: layers[${i}] (${layer.kind})`;
    for (const [option, value] of parsed.derived[i]) {
      if (shape[0] !== value) {
        throw new BamsprodError(
          `${where}: option ${option} is ${value} but the layer's input is [${shape.join(", ")}]; remove ${option} or fix the layers before it`,
        );
      }
    }
    try {
      shape = layer.outputShape(shape);
    } catch (err) {
      if (!(err instanceof BamsprodError)) throw err;
      throw new BamsprodError(`${where}: ${err.message}`);
    }
  });
  const last = layers.length - 1;
  if (shape.length !== 1) {
    throw new BamsprodError(
      `${source}: layers[${last}] (${layers[last].kind}) outputs [${shape.join(", ")}] per image; a classifier must end with one value per class (add flatten and dense)`,
    );
  }
  if (classes !== undefined && shape[0] !== classes) {
    throw new BamsprodError(
      `${source}: the model outputs ${shape[0]} values per image but the data has ${classes} classes; set the last dense layer's units to ${classes}`,
    );
  }
}

function buildLayers(entries: unknown, where: string): Layer[] {
  if (!Array.isArray(entries))
    throw new BamsprodError(`${where} must be a list of layers, got ${show(entries)}`);
  return entries.map((entry, i) => buildLayer(entry, `${where}[${i}]`));
}

function buildLayer(entry: unknown, at: string): Layer {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new BamsprodError(`${at}: expected {"kind": ..., "config": {...}}, got ${show(entry)}`);
  }
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (key !== "kind" && key !== "name" && key !== "config") {
      throw new BamsprodError(`${at}: unknown key ${show(key)}; a layer has kind, name and config`);
    }
  }
  const type = typeof e.kind === "string" ? layerType(e.kind) : undefined;
  if (type === undefined) {
    throw new BamsprodError(
      `${at}: unknown layer kind ${show(e.kind)}; use one of ${layerKinds().join(", ")}`,
    );
  }
  const where = `${at} (${type.kind})`;
  if (e.name !== undefined && typeof e.name !== "string") {
    throw new BamsprodError(`${where}: name must be a string, got ${show(e.name)}`);
  }
  const config = e.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new BamsprodError(`${where}: config must be an object of options, got ${show(config)}`);
  }
  const options: Record<string, unknown> = {};
  for (const [option, value] of Object.entries(config)) {
    if (type.derived?.includes(option)) continue;
    const optionType = type.options[option];
    if (optionType === undefined) {
      const known = [...Object.keys(type.options), ...(type.derived ?? [])];
      throw new BamsprodError(
        `${where}: unknown option ${show(option)}; ${type.kind} takes ${known.join(", ") || "no options"}`,
      );
    }
    checkOptionType(where, option, optionType, value);
    options[option] = value;
  }
  for (const option of type.required ?? []) {
    if (options[option] === undefined) throw new BamsprodError(`${where}: option ${option} is required`);
  }
  const children: ChildBuilder = (list, option) => buildLayers(list, `${where}.config.${option}`);
  try {
    return type.create(options, e.name as string | undefined, children);
  } catch (err) {
    if (!(err instanceof BamsprodError) || err.message.startsWith(at)) throw err;
    throw new BamsprodError(`${where}: ${err.message}`);
  }
}

/** The derived options an entry sets (non-null), to check against the input shape. */
function derivedOf(entry: unknown, at: string): Array<[string, number]> {
  const e = entry as { kind?: unknown; config?: Record<string, unknown> } | null;
  const type = typeof e?.kind === "string" ? layerType(e.kind) : undefined;
  const out: Array<[string, number]> = [];
  for (const option of type?.derived ?? []) {
    const value = e?.config?.[option];
    if (value === undefined || value === null) continue;
    if (!Number.isInteger(value)) {
      throw new BamsprodError(
        `${at} (${String(e?.kind)}): option ${option} must be an integer or null, got ${show(value)}`,
      );
    }
    out.push([option, value as number]);
  }
  return out;
}

function optionalShape(source: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new BamsprodError(
      `${source}: "inputShape" must be positive integers such as [1, 28, 28], got ${show(v)}`,
    );
  }
  return v as number[];
}

function optionalInt(source: string, key: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    throw new BamsprodError(`${source}: "${key}" must be an integer >= ${min}, got ${show(v)}`);
  }
  return v as number;
}
