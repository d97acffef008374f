/** Shared fixtures of the C export tests: build the generated C with a real compiler and run it. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { C_FILES, generateC, type PackedSpec } from "../../src/export/index.js";

export const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
/** The example program of docs/deploy.md: classifies a file of images. */
export const classifySource = join(repoRoot, "examples", "c", "classify.c");

/** Writes the generated C of `spec` to a new directory; returns it. */
export function writeCModel(spec: PackedSpec, dir = mkdtempSync(join(tmpdir(), "bamsprod-c-"))): string {
  const c = generateC(spec);
  writeFileSync(join(dir, C_FILES.header), c.header);
  writeFileSync(join(dir, C_FILES.source), c.source);
  return dir;
}

/** True when `tool` runs (`tool --version` exits 0). */
export function hasTool(tool: string): boolean {
  return spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Compiles examples/c/classify.c with the model in `dir` using the system gcc, warnings as
 * errors (the generated code must compile cleanly as strict C99); returns the executable.
 */
export function buildClassify(dir: string): string {
  const exe = join(dir, "classify");
  const flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror"];
  execFileSync("gcc", [...flags, "-I", dir, classifySource, join(dir, C_FILES.source), "-o", exe], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return exe;
}

/** Classes and float32 logits from a `classify --logits` run (or any output of that shape). */
export function parseLogits(text: string, classes: number): { classes: Int32Array; logits: Float32Array } {
  const lines = text.trim().split("\n");
  const predicted = new Int32Array(lines.length);
  const bits = new Uint32Array(lines.length * classes);
  lines.forEach((line, i) => {
    const parts = line.trim().split(/\s+/);
    predicted[i] = Number(parts[0]);
    for (let k = 0; k < classes; k++) bits[i * classes + k] = parseInt(parts[k + 1], 16);
  });
  return { classes: predicted, logits: new Float32Array(bits.buffer) };
}

/** Runs the compiled classifier on raw images; returns its classes and logits. */
export function runClassify(
  exe: string,
  images: Uint8Array,
  classes: number,
): { classes: Int32Array; logits: Float32Array } {
  const file = join(mkdtempSync(join(tmpdir(), "bamsprod-c-images-")), "images.raw");
  writeFileSync(file, images);
  const out = execFileSync(exe, [file, "--logits"], { maxBuffer: 1 << 28 }).toString();
  return parseLogits(out, classes);
}

/** The cross tools the Cortex-M checks need, and the first one missing (null: all present). */
export function missingCrossTool(): string | null {
  for (const tool of ["arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm"])
    if (!hasTool(tool)) return tool;
  return null;
}

const CORTEX_M = ["-std=c99", "-mcpu=cortex-m4", "-mthumb", "-Os"];
const cortexDir = join(repoRoot, "examples", "cortex-m");

/** Flash (text, which holds rodata, plus data) and RAM (data + bss) of an object, from arm-none-eabi-size. */
export function armSizes(object: string): {
  text: number;
  data: number;
  bss: number;
  flash: number;
  ram: number;
} {
  const out = execFileSync("arm-none-eabi-size", [object]).toString().trim().split("\n");
  const [text, data, bss] = out[1].trim().split(/\s+/).map(Number);
  return { text, data, bss, flash: text + data, ram: data + bss };
}

/**
 * Cross-compiles the model in `dir` for a Cortex-M4 (-mcpu=cortex-m4 -mthumb -Os) and links the
 * MPS2 semihosting program of examples/cortex-m; returns the model object and the firmware.
 */
export function buildCortexM(dir: string): { object: string; elf: string } {
  const object = join(dir, "bamsprod_model.o");
  const elf = join(dir, "firmware.elf");
  const quiet = { stdio: ["ignore", "ignore", "pipe"] as ["ignore", "ignore", "pipe"] };
  execFileSync(
    "arm-none-eabi-gcc",
    [...CORTEX_M, "-Wall", "-Werror", "-I", dir, "-c", join(dir, C_FILES.source), "-o", object],
    quiet,
  );
  execFileSync(
    "arm-none-eabi-gcc",
    [
      ...CORTEX_M,
      "-I",
      dir,
      "-nostartfiles",
      "--specs=nano.specs",
      "--specs=nosys.specs",
      "-T",
      join(cortexDir, "mps2.ld"),
      join(cortexDir, "startup.c"),
      join(cortexDir, "main.c"),
      object,
      "-o",
      elf,
    ],
    quiet,
  );
  return { object, elf };
}

/** Runs the firmware on QEMU's mps2-an386 (Cortex-M4) over raw images; parses its lines. */
export function runCortexM(
  elf: string,
  images: Uint8Array,
  classes: number,
): { classes: Int32Array; logits: Float32Array; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), "bamsprod-qemu-"));
  writeFileSync(join(dir, "images.raw"), images);
  const start = performance.now();
  const r = spawnSync(
    "qemu-system-arm",
    ["-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none"].concat([
      "-semihosting-config",
      "enable=on,target=native,arg=images.raw",
      "-kernel",
      elf,
    ]),
    { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28, timeout: 30 * 60 * 1000 },
  );
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`qemu-system-arm exited with ${r.status}: ${r.stderr.slice(0, 500)}`);
  // Semihosting's console output arrives on QEMU's stderr.
  return { ...parseLogits(r.stderr, classes), seconds };
}

/** Writes the C of `spec`, builds the host classifier and runs it: its directory, classes and logits. */
export function classifyOnHost(
  spec: PackedSpec,
  images: Uint8Array,
): { dir: string; classes: Int32Array; logits: Float32Array } {
  const dir = writeCModel(spec);
  return { dir, ...runClassify(buildClassify(dir), images, spec.classes) };
}

/** Builds the model in `dir` for the Cortex-M4 and runs it on QEMU: its sizes, classes and logits. */
export function classifyOnCortexM(
  dir: string,
  images: Uint8Array,
  classes: number,
): ReturnType<typeof runCortexM> & { sizes: ReturnType<typeof armSizes> } {
  const { object, elf } = buildCortexM(dir);
  const sizes = armSizes(object);
  return { sizes, ...runCortexM(elf, images, classes) };
}
