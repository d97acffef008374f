/**
 * `bamsprod predict --model FILE.bnn`: runs a packed model on the test split of a dataset
 * (--data SPEC, printing the accuracy) or on image files (--image FILE..., one line per image:
 * file, class name, probability). The class names and input shape come from the model file.
 */
import type { Command } from "commander";
import { describeData, loadData } from "../../data/detect.js";
import { decodeImageFile, toPlanes } from "../../data/imageFile.js";
import { loadPacked, type PackedModel } from "../../export/packedModel.js";
import { BamsprodError } from "../../util/errors.js";
import { positiveInt } from "../options.js";
import { DATA_HELP, dataSpec, imageShapeOf, parseShape } from "../dataOptions.js";
import { readFileBounded } from "../../util/readBounded.js";
import { LIMITS } from "../../util/limits.js";

interface PredictOpts {
  model: string;
  data?: string;
  dataDir?: string;
  image?: string[];
  imageShape?: [number, number, number];
  limit?: number;
  classesOnly?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("predict")
    .description(
      "classify images with a packed model (.bnn): a dataset's test split (prints the accuracy) or image files",
    )
    .requiredOption("--model <file>", "a .bnn file written by `bamsprod export --format packed`")
    .option("--data <spec>", `${DATA_HELP}; only the test split is read`)
    .option("--data-dir <dir>", "alias of --data")
    .option("--image <files...>", "PNG or JPEG files to classify (each of the model's input size)")
    .option("--image-shape <C,H,W>", "shape of the images in CSV rows (default: the model's)", parseShape)
    .option("--limit <n>", "only the first n test images", positiveInt)
    .option(
      "--classes-only",
      "print the predicted class of each test image, one per line, instead of the accuracy",
    )
    .option("--json", "print the result as one JSON object")
    .action((opts: PredictOpts) => {
      const model = loadPacked(readModel(opts.model), opts.model);
      const data = dataSpec(opts as unknown as Record<string, unknown>);
      if (opts.image !== undefined) {
        if (data !== undefined) throw new BamsprodError("give --image FILE... or --data SPEC, not both");
        predictImages(model, opts.image, opts.json === true);
        return;
      }
      predictTestSet(model, data, opts);
    });
}

/** The model's class names (from the file), else the class indices. */
function classNames(model: PackedModel): string[] {
  const names = model.spec.info.classNames;
  if (Array.isArray(names) && names.length === model.classes) return names.map(String);
  return Array.from({ length: model.classes }, (_, i) => String(i));
}

function predictImages(model: PackedModel, files: string[], json: boolean): void {
  const [channels, height, width] = model.inputShape;
  const size = channels * height * width;
  const pixels = new Uint8Array(files.length * size);
  files.forEach((file, i) => {
    const image = decodeImageFile(file);
    if (image.width !== width || image.height !== height) {
      throw new BamsprodError(
        `${file} is ${image.width}x${image.height} but the model takes ${width}x${height} images; resize it first`,
      );
    }
    if (channels === 1 && !image.gray) {
      throw new BamsprodError(`${file} is in color but the model takes grayscale images`);
    }
    toPlanes(image, channels, pixels, i * size);
  });
  const logits = model.logits(pixels, files.length);
  const names = classNames(model);
  const rows = files.map((file, i) => {
    const row = logits.subarray(i * model.classes, (i + 1) * model.classes);
    const best = row.indexOf(Math.max(...row));
    const max = row[best];
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    return { file, class: names[best], index: best, probability: 1 / sum };
  });
  if (json) {
    process.stdout.write(JSON.stringify({ predictions: rows }) + "\n");
    return;
  }
  for (const r of rows) process.stdout.write(`${r.file}\t${r.class}\t${r.probability.toFixed(4)}\n`);
}

function predictTestSet(model: PackedModel, spec: string | undefined, opts: PredictOpts): void {
  const loaded = loadData(spec, {
    splits: "test",
    shape: model.inputShape,
    imageShape: imageShapeOf(opts as unknown as Record<string, unknown>),
    classNames: Array.isArray(model.spec.info.classNames) ? classNames(model) : undefined,
  });
  process.stderr.write(describeData(loaded) + "\n");
  const set = loaded.test;
  if (set.count === 0)
    throw new BamsprodError(`${loaded.path}: the test set is empty (0 images): nothing to predict`);
  if (set.classes > model.classes) {
    throw new BamsprodError(
      `${loaded.path}: the test labels name ${set.classes} classes but the model has ${model.classes}`,
    );
  }
  const count = Math.min(set.count, opts.limit ?? set.count);
  const pixels = set.shape[0] * set.shape[1] * set.shape[2];
  const start = performance.now();
  const predicted = model.predict(set.images.subarray(0, count * pixels), count);
  const seconds = (performance.now() - start) / 1000;
  if (opts.classesOnly === true) {
    if (opts.json === true) {
      process.stdout.write(JSON.stringify({ classes: Array.from(predicted) }) + "\n");
      return;
    }
    process.stdout.write(predicted.join("\n") + (count > 0 ? "\n" : ""));
    return;
  }
  let correct = 0;
  for (let i = 0; i < count; i++) if (predicted[i] === set.labels[i]) correct++;
  const accuracy = count === 0 ? 0 : correct / count;
  const rate = count / seconds;
  if (opts.json === true) {
    process.stdout.write(JSON.stringify({ accuracy, correct, count, seconds, imagesPerSecond: rate }) + "\n");
  } else {
    process.stdout.write(
      `accuracy ${accuracy.toFixed(4)} (${correct} / ${count} test images) in ${seconds.toFixed(2)} s (${Math.round(rate)} images/s)\n`,
    );
  }
}

function readModel(path: string): Uint8Array {
  return readFileBounded(path, LIMITS.fileBytes, "--model");
}
