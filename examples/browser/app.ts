/**
 * The browser demo: a packed 1-bit Fashion-MNIST model (bundled into this script by
 * `npm run demo`) classifies a drawing, a dropped or chosen image, and a set of test images,
 * and measures its own speed (images/s) on those test images.
 * Everything runs in the page, on `bamsprod/runtime` (no server, no Node built-ins).
 */
import { classNames, loadPacked, probabilities, type PackedModel } from "bamsprod/runtime";
import modelBytes from "demo-data:model.bnn";
import testImages from "demo-data:test-images.bin";
import testLabels from "demo-data:test-labels.bin";

const SIZE = 28;
const PIXELS = SIZE * SIZE;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** One image's class, its name and the class probabilities. */
function classify(model: PackedModel, pixels: Uint8Array): { label: number; probs: Float32Array } {
  const logits = model.logits(pixels, 1);
  return { label: model.predict(pixels, 1)[0], probs: probabilities(logits, model.classes) };
}

/** Paints 28x28 gray pixels into a canvas of that size. */
function paint(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const image = ctx.createImageData(SIZE, SIZE);
  for (let i = 0; i < PIXELS; i++) {
    image.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/** The gray levels of a canvas drawn at any size, scaled to 28x28; light backgrounds inverted. */
function grayOf(source: CanvasImageSource, width: number, height: number): Uint8Array {
  const small = document.createElement("canvas");
  small.width = SIZE;
  small.height = SIZE;
  const ctx = small.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = width !== SIZE || height !== SIZE;
  ctx.drawImage(source, 0, 0, width, height, 0, 0, SIZE, SIZE);
  const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const gray = new Uint8Array(PIXELS);
  let sum = 0;
  for (let i = 0; i < PIXELS; i++) {
    const [r, g, b, a] = [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]];
    gray[i] = Math.round(((0.299 * r + 0.587 * g + 0.114 * b) * a) / 255);
    sum += gray[i];
  }
  if (sum / PIXELS > 127) for (let i = 0; i < PIXELS; i++) gray[i] = 255 - gray[i];
  return gray;
}

function showPrediction(model: PackedModel, names: string[], pixels: Uint8Array): void {
  paint(element<HTMLCanvasElement>("input28"), pixels);
  const { label, probs } = classify(model, pixels);
  const prediction = element("prediction");
  prediction.textContent = names[label];
  prediction.dataset.label = String(label);
  const table = element<HTMLTableElement>("probabilities");
  table.replaceChildren(
    ...names.map((name, k) => {
      const row = document.createElement("tr");
      const percent = (100 * probs[k]).toFixed(1);
      row.innerHTML = `<td></td><td>${percent}%</td><td><div class="bar" style="width:${percent}px"></div></td>`;
      (row.firstChild as HTMLElement).textContent = name;
      return row;
    }),
  );
}

function showGallery(model: PackedModel, names: string[]): void {
  const count = testImages.length / PIXELS;
  const predicted = model.predict(testImages, count);
  const gallery = element("gallery");
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const item = document.createElement("div");
    item.className = "item";
    item.dataset.label = String(predicted[i]);
    const canvas = document.createElement("canvas");
    canvas.width = SIZE;
    canvas.height = SIZE;
    paint(canvas, testImages.subarray(i * PIXELS, (i + 1) * PIXELS));
    const caption = document.createElement("div");
    caption.textContent = names[predicted[i]];
    if (predicted[i] === testLabels[i]) correct++;
    else caption.className = "wrong";
    item.append(canvas, caption);
    gallery.append(item);
  }
  element("gallery-summary").textContent = `${correct} of ${count} classified correctly (mistakes in red).`;
}

/** Classifies the test images in batches for about `seconds`; shows and returns images/s. */
function measureSpeed(model: PackedModel, seconds: number): number {
  const count = testImages.length / PIXELS;
  let images = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    model.predict(testImages, count);
    images += count;
    elapsed = performance.now() - start;
  }
  const rate = images / (elapsed / 1000);
  const speed = element("speed");
  speed.textContent = `${Math.round(rate).toLocaleString("en-US")} images/s (${images} images in ${(elapsed / 1000).toFixed(2)} s, one thread)`;
  speed.dataset.imagesPerSecond = String(rate);
  return rate;
}

function setUpDrawing(onChange: () => void): HTMLCanvasElement {
  const canvas = element<HTMLCanvasElement>("draw");
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const clear = (): void => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let drawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const box = canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    ctx.beginPath();
    ctx.moveTo(...at(e));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e));
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 24;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.stroke();
  });
  const stop = (): void => {
    if (drawing) onChange();
    drawing = false;
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointerleave", stop);
  element("clear").addEventListener("click", () => {
    clear();
    onChange();
  });
  return canvas;
}

function loadImageFile(file: File, onPixels: (pixels: Uint8Array) => void): void {
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.onload = () => {
    onPixels(grayOf(img, img.naturalWidth, img.naturalHeight));
    URL.revokeObjectURL(url);
  };
  img.onerror = () => {
    element("prediction").textContent = `cannot read ${file.name} as an image`;
    URL.revokeObjectURL(url);
  };
  img.src = url;
}

function main(): void {
  const model = loadPacked(modelBytes, "model.bnn");
  const names = classNames(model.spec);
  const info = model.spec.info;
  element("model-info").textContent =
    `Model ${String(info.model)} (${modelBytes.length.toLocaleString("en-US")} bytes, 1-bit weights), ` +
    `test accuracy ${typeof info.test_accuracy === "number" ? (100 * info.test_accuracy).toFixed(2) + "%" : "unknown"}.`;
  const predict = (pixels: Uint8Array): void => showPrediction(model, names, pixels);
  const canvas = setUpDrawing(() => predict(grayOf(canvas, canvas.width, canvas.height)));
  const file = element<HTMLInputElement>("file");
  file.addEventListener("change", () => {
    if (file.files?.[0]) loadImageFile(file.files[0], predict);
  });
  document.body.addEventListener("dragover", (e) => e.preventDefault());
  document.body.addEventListener("drop", (e) => {
    e.preventDefault();
    const dropped = e.dataTransfer?.files[0];
    if (dropped) loadImageFile(dropped, predict);
  });
  showGallery(model, names);
  predict(testImages.subarray(0, PIXELS)); // the first test image, until something is drawn or dropped
  // ?seconds=N sets how long the speed measurement runs (default 3).
  const seconds = Number(new URLSearchParams(location.search).get("seconds") ?? "3");
  element("measure").addEventListener("click", () => measureSpeed(model, seconds > 0 ? seconds : 3));
  document.body.dataset.ready = "true";
}

main();
