/** `bamsprod predict`: runs a packed model (.bnn) on a labelled test set. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadFashionMnist } from "../../data/fashionMnist.js";
import type { ImageSet } from "../../data/types.js";
import { loadPacked, type PackedModel } from "../../export/packedModel.js";
import { BamsprodError, show } from "../../util/errors.js";
import { positiveInt } from "../options.js";

interface PredictOpts {
  model: string;
  data: string;
  limit?: number;
  classesOnly?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("predict")
    .description("classify the test images of a dataset with a packed model (.bnn) and print the accuracy")
    .requiredOption("--model <file>", "a .bnn file written by `bamsprod export --format packed`")
    .option(
      "--data <dir>",
      'directory with the Fashion-MNIST IDX files, or "default" (the installed dataset, else the embedded subset)',
      "default",
    )
    .option("--limit <n>", "only the first n test images", positiveInt)
    .option(
      "--classes-only",
      "print the predicted class of each image, one per line, instead of the accuracy",
    )
    .option("--json", "print the accuracy as one JSON object")
    .action((opts: PredictOpts) => {
      const model = loadPacked(readModel(opts.model), opts.model);
      const set = testSet(opts.data, model);
      const count = Math.min(set.count, opts.limit ?? set.count);
      const pixels = set.shape[0] * set.shape[1] * set.shape[2];
      const start = performance.now();
      const predicted = model.predict(set.images.subarray(0, count * pixels), count);
      const seconds = (performance.now() - start) / 1000;
      if (opts.classesOnly === true) {
        process.stdout.write(predicted.join("\n") + (count > 0 ? "\n" : ""));
        return;
      }
      let correct = 0;
      for (let i = 0; i < count; i++) if (predicted[i] === set.labels[i]) correct++;
      const accuracy = count === 0 ? 0 : correct / count;
      const rate = count / seconds;
      if (opts.json === true) {
        process.stdout.write(
          JSON.stringify({ accuracy, correct, count, seconds, imagesPerSecond: rate }) + "\n",
        );
      } else {
        process.stdout.write(
          `accuracy ${accuracy.toFixed(4)} (${correct} / ${count} test images) in ${seconds.toFixed(2)} s (${Math.round(rate)} images/s)\n`,
        );
      }
    });
}

function readModel(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BamsprodError(
      `cannot read --model ${show(path)} (${(err as NodeJS.ErrnoException).code ?? String(err)}); write one with \`bamsprod export --format packed\``,
    );
  }
}

function testSet(data: string, model: PackedModel): ImageSet {
  const loaded = data === "default" ? loadFashionMnist() : loadFashionMnist({ dataDir: data });
  process.stderr.write(loaded.source + "\n");
  const set = loaded.test;
  if (set.shape.join(",") !== model.inputShape.join(",")) {
    throw new BamsprodError(
      `the test images are [${set.shape.join(", ")}] but the model expects [${model.inputShape.join(", ")}]; pass --data with images of that shape`,
    );
  }
  return set;
}
