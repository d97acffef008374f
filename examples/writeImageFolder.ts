/**
 * Writes some classes of a dataset bamsprod reads as a PNG image folder (DIR/train/<class>/,
 * DIR/test/<class>/), e.g. three Fashion-MNIST classes:
 *   node build/examples/writeImageFolder.js default fmnist3 T-shirt/top Trouser Sneaker
 * Class folder names replace "/" with "-".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { loadData, type ImageSet } from "../src/index.js";

const [spec, out, ...wanted] = process.argv.slice(2);
if (out === undefined || wanted.length === 0) {
  process.stderr.write("usage: writeImageFolder.js DATA_SPEC OUT_DIR CLASS_NAME...\n");
  process.exit(2);
}
const data = loadData(spec);
const names = data.test.classNames ?? [];
const labels = wanted.map((name) => {
  const label = names.indexOf(name);
  if (label < 0) throw new Error(`class ${JSON.stringify(name)} is not one of ${names.join(", ")}`);
  return label;
});

function writeSplit(set: ImageSet, split: string): number {
  const [c, h, w] = set.shape;
  const size = c * h * w;
  let written = 0;
  for (let i = 0; i < set.count; i++) {
    const k = labels.indexOf(set.labels[i]);
    if (k < 0) continue;
    const png = new PNG({ width: w, height: h });
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < 3; ch++)
        png.data[4 * p + ch] = set.images[i * size + (c === 1 ? 0 : ch) * h * w + p];
      png.data[4 * p + 3] = 255;
    }
    const dir = join(out, split, wanted[k].replaceAll("/", "-"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${String(i).padStart(5, "0")}.png`), PNG.sync.write(png));
    written++;
  }
  return written;
}

const train = writeSplit(data.train!, "train");
const test = writeSplit(data.test, "test");
process.stdout.write(`wrote ${train} training and ${test} test images of ${wanted.join(", ")} to ${out}\n`);
