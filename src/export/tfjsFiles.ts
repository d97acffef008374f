/**
 * TensorFlow.js models on disk, in the layout `model.save` writes (tfjs-node's file://, the
 * browser's downloads://): model.json (topology + weights manifest) and binary weight shards
 * next to it. Reading them needs no tfjs; converting them loads `@tensorflow/tfjs` on demand.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { BamsprodError, show } from "../util/errors.js";
import { checkFormat, exportSpec, type ExportResult } from "./fromCheckpoint.js";
import { readFileBounded } from "../util/readBounded.js";
import { LIMITS } from "../util/limits.js";

/** The parts of tfjs's ModelArtifacts this module reads and writes. */
export interface TfjsArtifacts {
  modelTopology?: unknown;
  weightSpecs?: unknown[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
}

interface ModelJson {
  modelTopology?: unknown;
  format?: string;
  weightsManifest?: Array<{ paths: string[]; weights: unknown[] }>;
}

/**
 * Reads model.json and its weight files.
 * @throws BamsprodError for a missing or unreadable file, or a file that is not a tfjs layers model.
 */
export function readTfjsModel(path: string): TfjsArtifacts {
  const read = (file: string, what: string): Buffer => readFileBounded(file, LIMITS.fileBytes, what);
  let json: ModelJson;
  try {
    json = JSON.parse(read(path, "--tfjs").toString("utf8")) as ModelJson;
  } catch (err) {
    if (err instanceof BamsprodError) throw err;
    throw new BamsprodError(
      `--tfjs ${show(path)} is not JSON; pass the model.json that tfjs's model.save wrote`,
    );
  }
  if (
    json === null ||
    typeof json !== "object" ||
    json.modelTopology === undefined ||
    !Array.isArray(json.weightsManifest)
  ) {
    throw new BamsprodError(
      `--tfjs ${show(path)} is not a tfjs layers model (no modelTopology or weightsManifest); pass the model.json that tfjs's model.save wrote`,
    );
  }
  const shards: Buffer[] = [];
  const weightSpecs: unknown[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) shards.push(read(join(dirname(path), p), "the weight file"));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format };
}

/**
 * A tfjs save handler writing DIR/model.json and DIR/weights.bin, the layout tfjs-node's
 * `file://` handler writes, for Node without tfjs-node: `await model.save(tfjsFileSaver(dir))`.
 */
export function tfjsFileSaver(dir: string): {
  save(
    artifacts: TfjsArtifacts,
  ): Promise<{ modelArtifactsInfo: { dateSaved: Date; modelTopologyType: "JSON"; weightDataBytes: number } }>;
} {
  return {
    async save(artifacts) {
      mkdirSync(dir, { recursive: true });
      const parts = artifacts.weightData === undefined ? [] : [artifacts.weightData].flat();
      const weights = Buffer.concat(parts.map((b) => Buffer.from(b)));
      writeFileSync(join(dir, "weights.bin"), weights);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, "model.json"), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          weightDataBytes: weights.length,
        },
      };
    },
  };
}

/**
 * Converts a saved tfjs model (its model.json path) to `format`, loading `@tensorflow/tfjs`
 * and bamsprod/tfjs's layers on demand.
 * @throws BamsprodError for unreadable files, a layer the packed format cannot express (named),
 *   or tfjs not installed.
 */
export async function exportTfjsFile(path: string, format: string): Promise<ExportResult> {
  checkFormat(format);
  const artifacts = readTfjsModel(path);
  let convert: typeof import("../tfjs/toPacked.js");
  try {
    convert = await import("../tfjs/toPacked.js");
  } catch (err) {
    throw new BamsprodError(
      `--tfjs needs the optional peer dependency @tensorflow/tfjs (npm install @tensorflow/tfjs@4): ${(err as Error).message}`,
    );
  }
  let model;
  try {
    model = await convert.loadTfjsArtifacts(artifacts as Parameters<typeof convert.loadTfjsArtifacts>[0]);
  } catch (err) {
    throw new BamsprodError(`tfjs cannot load --tfjs ${show(path)}: ${(err as Error).message}`);
  }
  const spec = convert.tfjsToPacked(model, { tfjs: path });
  return { ...exportSpec(spec, format), sizes: null, checkpointBytes: null };
}
