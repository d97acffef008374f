/** The data options shared by train, compare and predict: --data SPEC (alias --data-dir), --image-shape, augmentation. */
import { InvalidArgumentError, Option, type Command } from "commander";
import { BamsprodError } from "../util/errors.js";
import { nonNegativeInt } from "./options.js";

export const DATA_HELP =
  "the data: a directory of IDX files, a CIFAR-10 binary directory, an image folder (DIR/train/<class>/*.png, DIR/test/<class>/*), " +
  "or CSV (DIR with *train*.csv and *test*.csv, or TRAIN.csv,TEST.csv); default: Fashion-MNIST";

export function addDataOptions(cmd: Command, o: { augment?: boolean } = {}): void {
  cmd
    .option("--data <spec>", DATA_HELP)
    .addOption(new Option("--data-dir <dir>", "alias of --data"))
    .option(
      "--image-shape <C,H,W>",
      "shape of the images in CSV rows (default: one gray square)",
      parseShape,
    );
  if (o.augment === true) {
    cmd
      .option(
        "--crop-padding <n>",
        "augment: pad n zero pixels on each side, then crop back at a random offset",
        nonNegativeInt,
      )
      .option("--flip", "augment: mirror each training image left-right with probability 1/2");
  }
}

/** --data, or its alias --data-dir (not both). */
export function dataSpec(opts: Record<string, unknown>): string | undefined {
  if (opts.data !== undefined && opts.dataDir !== undefined) {
    throw new BamsprodError("--data and --data-dir are the same option; give one");
  }
  return (opts.data ?? opts.dataDir) as string | undefined;
}

export function imageShapeOf(opts: Record<string, unknown>): [number, number, number] | undefined {
  return opts.imageShape as [number, number, number] | undefined;
}

/** "C,H,W" -> [C, H, W], three positive integers. */
export function parseShape(value: string): [number, number, number] {
  const parts = value.split(",").map((s) => s.trim());
  const dims = parts.map(Number);
  if (dims.length !== 3 || !parts.every((p) => /^\d+$/.test(p)) || !dims.every((d) => d > 0)) {
    throw new InvalidArgumentError(
      `expected three positive integers C,H,W such as 1,28,28, got ${JSON.stringify(value)}`,
    );
  }
  return dims as [number, number, number];
}
