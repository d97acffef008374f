/**
 * `bamsprod summary --model NAME|FILE.json|RUN_DIR|FILE.bnn`: the layer table of a built-in
 * model, a model file, a training run's checkpoint, or an exported packed model.
 */
import { existsSync, statSync } from "node:fs";
import type { Command } from "commander";
import { buildModel, modelNames, type Sequential } from "../../nn/index.js";
import { buildParsedModel } from "../../nn/modelConfig.js";
import { formatSummary, summarize } from "../../nn/summary.js";
import { loadModelFromCheckpoint, checkpointPath } from "../../train/checkpoint.js";
import { isModelFile, widthModels, widthOption } from "../../train/modelSpec.js";
import { readModelFile } from "../../train/modelFile.js";
import { decodePacked } from "../../export/decode.js";
import { formatPackedSummary, summarizePacked } from "../../export/packedSummary.js";
import { BamsprodError, show } from "../../util/errors.js";
import { positiveInt } from "../options.js";
import { parseShape } from "../dataOptions.js";
import { readFileBounded } from "../../util/readBounded.js";

interface SummaryOpts {
  model: string;
  inputShape?: [number, number, number];
  classes?: number;
  width?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("summary")
    .description("show a model's layers, binary and float parameters, memory and multiply-accumulates")
    .requiredOption(
      "--model <model>",
      `a built-in model (${modelNames.join(", ")}), a model file FILE.json, a training run's --out directory, or an exported FILE.bnn`,
    )
    .option(
      "--input-shape <C,H,W>",
      "per-sample input shape (built-in models and files without one; default 1,28,28)",
      parseShape,
    )
    .option(
      "--classes <n>",
      "number of classes (built-in models and files without one; default 10)",
      positiveInt,
    )
    .option(
      "--width <n>",
      `channels of the first stage of ${widthModels.join(" and ")} (default 32)`,
      positiveInt,
    )
    .option("--json", "print the summary as JSON")
    .action((opts: SummaryOpts) => {
      const write = (value: unknown, text: string): void =>
        void process.stdout.write(opts.json === true ? JSON.stringify(value) + "\n" : text + "\n");
      if (opts.model.endsWith(".bnn")) {
        const summary = summarizePacked(decodePacked(readBytes(opts.model), opts.model));
        write(summary, formatPackedSummary(summary));
        return;
      }
      const summary = summarize(modelOf(opts));
      write(summary, formatSummary(summary));
    });
}

function modelOf(opts: SummaryOpts): Sequential {
  const shape = { inputShape: opts.inputShape, classes: opts.classes };
  const width = widthOption(opts.model, opts.width); // refused unless a built-in model takes it
  if (existsSync(opts.model) && statSync(opts.model).isDirectory()) {
    if (!existsSync(checkpointPath(opts.model))) {
      throw new BamsprodError(
        `${opts.model} holds no checkpoint.json: pass the --out directory of a \`bamsprod train\` run`,
      );
    }
    return loadModelFromCheckpoint(opts.model).model;
  }
  if (isModelFile(opts.model)) {
    const file = readModelFile(opts.model);
    return buildParsedModel(
      file.parsed,
      { inputShape: shape.inputShape ?? file.parsed.inputShape ?? [1, 28, 28], classes: shape.classes },
      opts.model,
    );
  }
  if (!(modelNames as readonly string[]).includes(opts.model)) {
    throw new BamsprodError(
      `--model ${show(opts.model)} is not a built-in model (${modelNames.join(", ")}), a .json model file, a run directory or a .bnn file`,
    );
  }
  return buildModel(opts.model, {
    inputShape: shape.inputShape ?? [1, 28, 28],
    classes: shape.classes ?? 10,
    ...width,
  });
}

function readBytes(path: string): Uint8Array {
  return readFileBounded(path);
}
