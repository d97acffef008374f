#!/usr/bin/env node
// Opens the built browser demo in headless Chromium (Debian's, driven by puppeteer-core),
// presses its Measure button and prints the bundle size and the images/s it shows, then the
// images/s of the same runtime, model and images in this Node process (needs `npm run build`):
//   node scripts/measure-demo.js [--out DIR] [--seconds N] [--screenshot FILE.png]
// DIR is the demo's build directory (default examples/browser/dist, see scripts/build-demo.js);
// the browser is $CHROMIUM or the first of chromium, chromium-browser on PATH.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import puppeteer from "puppeteer-core";
import { scriptArgs } from "./script-args.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values, fail } = scriptArgs("measure-demo", {
  out: { type: "string", default: join(root, "examples", "browser", "dist") },
  seconds: { type: "string", default: "3" },
  screenshot: { type: "string" },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) fail(`--seconds must be a positive number, got ${JSON.stringify(values.seconds)}`);
const page = join(resolve(values.out), "index.html");
if (!existsSync(page)) fail(`${page} does not exist; build the demo first (npm run demo)`);

function findBrowser() {
  for (const name of [process.env.CHROMIUM, "chromium", "chromium-browser"]) {
    if (!name) continue;
    try {
      return execFileSync("sh", ["-c", 'command -v "$0"', name]).toString().trim();
    } catch {
      // not on PATH: try the next one
    }
  }
  return fail("no Chromium found (apt-get install chromium, or set CHROMIUM)");
}

const profile = mkdtempSync(join(tmpdir(), "bamsprod-chromium-"));
const browser = await puppeteer.launch({
  executablePath: findBrowser(),
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    `--user-data-dir=${profile}`,
  ],
});
try {
  const tab = await browser.newPage();
  await tab.setViewport({ width: 1000, height: 1400 });
  await tab.goto(`${pathToFileURL(page).href}?seconds=${seconds}`);
  await tab.waitForSelector("body[data-ready=true]", { timeout: 60000 });
  await tab.click("#measure");
  const speed = await tab.$eval("#speed", (e) => e.textContent);
  const version = await browser.version();
  const kib = (statSync(join(dirname(page), "app.js")).size / 1024).toFixed(1);
  const model = (statSync(join(dirname(page), "model.bnn")).size / 1024).toFixed(1);
  console.log(`${version}: app.js ${kib} KiB (model.bnn ${model} KiB inside); ${speed}`);
  if (values.screenshot !== undefined) await tab.screenshot({ path: values.screenshot, fullPage: true });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

// The baseline: the same loop as the page's, in Node.
const { loadPacked } = await import(join(root, "build", "src", "runtime", "index.js"));
const model = loadPacked(readFileSync(join(dirname(page), "model.bnn")));
const images = readFileSync(join(dirname(page), "test-images.bin"));
const count = images.length / 784;
let done = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  model.predict(images, count);
  done += count;
}
const elapsed = (performance.now() - start) / 1000;
console.log(
  `Node ${process.version}: ${Math.round(done / elapsed)} images/s (${done} images in ${elapsed.toFixed(2)} s, one thread)`,
);
