/**
 * Runs the code blocks of README.md and docs/*.md as a reader would type them (see
 * CONTRIBUTING.md, "Code blocks in the docs"): every `sh`/`bash` block runs in bash, every `ts`
 * block is type-checked against the built package (one tsc run for all of them) and run, every
 * `js` block runs; all in one temp directory per document, in document order, where `bamsprod`
 * is installed as a package (node_modules/bamsprod links this checkout, `npx bamsprod` runs its
 * CLI). An HTML comment on the line before a block changes what happens to it:
 *   <!-- doctest: skip REASON -->     not run (a deliberate fragment, or needs root, network, hours)
 *   <!-- doctest: slow -->            run only by the slow suite (npm run test:slow)
 *   <!-- doctest: file NAME -->       not run: its text is written to NAME in the temp directory
 *   <!-- doctest: fixture NAME... --> before the block, put the named test data in the directory
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { bandSet, writeImageSplit } from "../data/imageFixtures.js";

export const root = resolve(import.meta.dirname, "..", "..", "..");

export interface Block {
  doc: string;
  line: number;
  lang: string;
  text: string;
  /** run | skip | slow | file */
  mode: "run" | "skip" | "slow" | "file";
  /** skip: the reason; file: the file name */
  arg: string;
  fixtures: string[];
}

const RUNNABLE = new Set(["sh", "bash", "ts", "js"]);
const MARKER = /^\s*<!--\s*doctest:\s*(\S+)\s*(.*?)\s*-->\s*$/;

/** README.md and docs/*.md, relative to the root. */
export function documents(): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** The fenced blocks of one document with their markers. */
export function blocks(doc: string): Block[] {
  const lines = readFileSync(join(root, doc), "utf8").split("\n");
  const out: Block[] = [];
  let marks: RegExpExecArray[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]);
    if (marker !== null) {
      marks.push(marker);
      continue;
    }
    const fence = /^(\s*)```(\S*)/.exec(lines[i]);
    if (fence === null) {
      if (lines[i].trim() !== "") marks = [];
      continue;
    }
    const start = i;
    const indent = fence[1].length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) body.push(lines[i].slice(indent));
    const block: Block = {
      doc,
      line: start + 1,
      lang: fence[2],
      text: body.join("\n") + "\n",
      mode: "run",
      arg: "",
      fixtures: [],
    };
    for (const [, kind, arg] of marks) {
      if (kind === "fixture") block.fixtures.push(...arg.split(/\s+/));
      else if (kind === "skip" || kind === "slow" || kind === "file") {
        block.mode = kind;
        block.arg = arg;
      } else throw new Error(`${doc}:${start}: unknown doctest marker "${kind}" (skip, slow, file, fixture)`);
    }
    if (block.mode === "skip" && block.arg === "")
      throw new Error(`${doc}:${start}: doctest: skip needs a reason`);
    if (block.mode === "file" && block.arg === "")
      throw new Error(`${doc}:${start}: doctest: file needs a name`);
    if (block.mode === "run" && !RUNNABLE.has(block.lang)) block.mode = "skip";
    marks = [];
    out.push(block);
  }
  return out;
}

/** Test data a document assumes the reader has, by the name its fixture marker gives. */
const FIXTURES: Record<string, (dir: string) => void> = {
  // An image folder of three easy classes (docs/own-data.md's layout): 300 train, 60 test images.
  "my-images": (dir) => {
    const names = ["cat", "dog", "fox"];
    writeImageSplit(join(dir, "my-images"), "train", bandSet(300, [1, 28, 28], 3, 1), names);
    writeImageSplit(join(dir, "my-images"), "test", bandSet(60, [1, 28, 28], 3, 2), names);
  },
  // The model file docs/own-data.md describes.
  "model.json": (dir) => {
    const file = blocks("docs/own-data.md").find((b) => b.mode === "file" && b.arg === "model.json");
    if (file === undefined)
      throw new Error("docs/own-data.md has no block marked `doctest: file model.json`");
    writeFileSync(join(dir, "model.json"), file.text);
  },
};

/**
 * A temp directory set up as a project that installed bamsprod: node_modules links this
 * checkout and its dependencies (and their .bin), `examples` links the checkout's examples (docs that build
 * them refer to them from a clone), and `npx` on PATH runs `npx bamsprod ...` as the CLI
 * directly (what npx resolves it to, without npm's start-up cost).
 */
export function workspace(name: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), `bamsprod-doc-${name.replace(/\W+/g, "-")}-`));
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (!entry.startsWith(".") || entry === ".bin")
      symlinkSync(join(root, "node_modules", entry), join(modules, entry));
  }
  symlinkSync(root, join(modules, "bamsprod"));
  symlinkSync(join(root, "examples"), join(dir, "examples"));
  const bin = join(dir, ".doctest-bin");
  mkdirSync(bin);
  const cli = join(root, "build", "src", "cli", "main.js");
  const path = process.env.PATH ?? "";
  writeFileSync(
    join(bin, "npx"),
    `#!/bin/sh\nif [ "$1" = bamsprod ]; then shift; exec "${process.execPath}" "${cli}" "$@"; fi\n` +
      `PATH="${path}" exec npx "$@"\n`,
  );
  chmodSync(join(bin, "npx"), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${path}` };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return { dir, env };
}

export function prepare(block: Block, dir: string): void {
  for (const name of block.fixtures) {
    const fixture = FIXTURES[name];
    if (fixture === undefined)
      throw new Error(
        `${block.doc}:${block.line}: unknown fixture "${name}" (${Object.keys(FIXTURES).join(", ")})`,
      );
    fixture(dir);
  }
  if (block.mode === "file") {
    mkdirSync(dirname(join(dir, block.arg)), { recursive: true });
    writeFileSync(join(dir, block.arg), block.text);
  }
}

/** Where a ts/js block is written in its workspace (compiled .ts to .mjs beside it). */
export function scriptPath(block: Block, dir: string): string {
  return join(dir, ".doctest", `line-${block.line}.${block.lang === "ts" ? "mts" : "mjs"}`);
}

/**
 * Type-checks and compiles every ts block (one tsc run over all the workspaces); returns tsc's
 * complaints, one string per error (empty when all compile).
 */
export function compileTs(items: { block: Block; dir: string }[]): string[] {
  const files = items
    .filter(({ block }) => block.lang === "ts")
    .map(({ block, dir }) => {
      const file = scriptPath(block, dir);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, block.text);
      return { file, where: `${block.doc}:${block.line}` };
    });
  if (files.length === 0) return [];
  const project = mkdtempSync(join(tmpdir(), "bamsprod-doc-tsc-"));
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
      },
      files: files.map((f) => f.file),
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", project, "--pretty", "false"], { encoding: "utf8" });
  if (r.status === 0) return [];
  let out = `${r.stdout}${r.stderr}`;
  for (const { file, where } of files) out = out.split(file).join(where);
  return out.split("\n").filter((l) => l.trim() !== "");
}

/** Runs one block in its workspace; returns null when it succeeded, else what went wrong. */
export function runBlock(block: Block, dir: string, env: NodeJS.ProcessEnv): string | null {
  const r =
    block.lang === "sh" || block.lang === "bash"
      ? spawnSync("bash", ["-e", "-o", "pipefail", "-c", block.text], {
          cwd: dir,
          env,
          encoding: "utf8",
          maxBuffer: 64 << 20,
        })
      : (() => {
          const file = scriptPath(block, dir);
          if (block.lang === "js") {
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, block.text);
          }
          return spawnSync(process.execPath, [file.replace(/\.mts$/, ".mjs")], {
            cwd: dir,
            env,
            encoding: "utf8",
            maxBuffer: 64 << 20,
          });
        })();
  if (r.status === 0) return null;
  return `${block.doc}:${block.line} (${block.lang}) exited ${r.status ?? r.signal} in ${dir}\n${block.text}--- stderr:\n${r.stderr.slice(-3000)}`;
}
