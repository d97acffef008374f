/**
 * The browser demo (examples/browser, built by `npm run demo`) in real headless Chromium,
 * driven by puppeteer-core: the page loads from file:// with its bundled model, classifies its
 * test images to the classes Node's runtime gives, shows them, classifies a chosen PNG and a
 * drawing as Node does on the same pixels, and measures its speed. Skipped when Chromium is not
 * installed. (`npm run lint` type-checks the page's script against the DOM types.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PNG } from "pngjs";
import puppeteer from "puppeteer-core";
import { fashionMnistClassNames } from "../../src/data/index.js";
import { compileModel, encodePacked, loadPacked } from "../../src/export/index.js";
import { loadModelFromCheckpoint } from "../../src/train/checkpoint.js";
import { findChromium } from "../report/chromium.js";
import { firstImages, trainedBmlpDir } from "../export/helpers.js";

const root = resolve(import.meta.dirname, "..", "..", "..");
const chromium = findChromium();
/** puppeteer wants a path, findChromium may give a command name. */
const executablePath =
  chromium === null ? "" : execFileSync("sh", ["-c", 'command -v "$0"', chromium]).toString().trim();

/** A 28x28 gray image as a PNG file. */
function writePng(pixels: Uint8Array, path: string): void {
  const png = new PNG({ width: 28, height: 28 });
  pixels.forEach((v, i) => png.data.set([v, v, v, 255], 4 * i));
  writeFileSync(path, PNG.sync.write(png));
}

test(
  "browser demo in headless Chromium: test images, a chosen PNG and a drawing classified as in Node",
  { skip: chromium === null ? "chromium is not installed (apt-get install chromium)" : false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "bamsprod-demo-test-"));
    const { model: trained } = loadModelFromCheckpoint(await trainedBmlpDir());
    const spec = compileModel(trained, { classNames: [...fashionMnistClassNames] });
    const bnn = join(dir, "model.bnn");
    writeFileSync(bnn, encodePacked(spec));
    const site = join(dir, "site");
    execFileSync(process.execPath, [join(root, "scripts", "build-demo.js"), "--model", bnn, "--out", site], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const model = loadPacked(readFileSync(bnn));
    const { images, count } = firstImages(40);
    const expected = Array.from(model.predict(images, count));

    const profile = mkdtempSync(join(tmpdir(), "bamsprod-chromium-"));
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${pathToFileURL(join(site, "index.html")).href}?seconds=0.2`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
      // Page-side code as strings: this project compiles without the DOM types.
      const shown = (await page.evaluate(
        `[...document.querySelectorAll("#gallery .item")].map((i) => [Number(i.dataset.label), i.textContent])`,
      )) as Array<[number, string]>;
      assert.deepEqual(
        shown.map(([label]) => label),
        expected,
      );
      assert.deepEqual(
        shown.map(([, text]) => text),
        expected.map((k) => fashionMnistClassNames[k]),
      );

      // A chosen PNG (an image with a dark background, as the page expects) ...
      const pick = [...Array(count).keys()].find((i) => {
        const img = images.subarray(i * 784, (i + 1) * 784);
        return img.reduce((a, b) => a + b, 0) / 784 <= 127 && expected[i] !== expected[0];
      }) as number;
      const png = join(dir, "image.png");
      writePng(images.subarray(pick * 784, (pick + 1) * 784), png);
      const input = await page.$("#file");
      await input?.uploadFile(png);
      await page.waitForFunction(
        `document.getElementById("prediction").dataset.label === "${expected[pick]}"`,
        {
          timeout: 30000,
        },
      );
      const rows = await page.$$eval("#probabilities tr", (trs) => trs.length);
      assert.equal(rows, 10);

      // ... and a drawing: whatever the page classified, Node gives the same class on its pixels.
      const box = await (await page.$("#draw"))?.boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + 60, box.y + 40);
      await page.mouse.down();
      for (const [x, y] of [
        [220, 40],
        [220, 250],
        [60, 250],
        [60, 40],
      ])
        await page.mouse.move(box.x + x, box.y + y, { steps: 5 });
      await page.mouse.up();
      const seen = (await page.evaluate(`(() => {
        const rgba = document.getElementById("input28").getContext("2d").getImageData(0, 0, 28, 28).data;
        return {
          pixels: Array.from({ length: 784 }, (_, i) => rgba[4 * i]),
          label: Number(document.getElementById("prediction").dataset.label),
        };
      })()`)) as { pixels: number[]; label: number };
      assert.ok(
        seen.pixels.some((v) => v > 0),
        "the drawing reached the model",
      );
      assert.equal(seen.label, model.predict(Uint8Array.from(seen.pixels), 1)[0]);

      // The speed button classifies the test images for a while (here 0.2 s) and shows images/s.
      await page.click("#measure");
      const rate = Number(
        await page.$eval(
          "#speed",
          (e) => (e as unknown as { dataset: { imagesPerSecond: string } }).dataset.imagesPerSecond,
        ),
      );
      assert.ok(rate > 0, `images/s ${rate}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
