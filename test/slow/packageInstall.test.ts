/**
 * The package as another project gets it: `npm pack` in this checkout, `npm install` of the
 * tarball into a scratch project (which builds the native kernels from the shipped sources),
 * then `import`, `require` and the installed CLI. Slow (minutes: the install compiles the addon
 * and fetches the runtime dependencies from the npm cache or registry).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..", "..");

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.BAMSPROD_KERNELS; // the installed package makes its own choice
  delete env.NODE_OPTIONS;
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

test(
  "npm pack, npm install of the tarball in a scratch project, then import, require and the CLI",
  { timeout: 1_200_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "bamsprod-pack-"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], root).stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0].files.map((f) => f.path);
    for (const f of ["LICENSE", "README.md", "package.json", "build/src/cli/main.js", "native/binding.gyp"])
      assert.ok(files.includes(f), `the tarball ships ${f}`);
    const devOnly = files.filter((f) =>
      /^(src|test|bench|examples|docs)\/|^build\/(test|bench)|^scripts\/(?!build-native)/.test(f),
    );
    assert.deepEqual(devOnly, [], "the tarball ships no dev-only files");
    const map = JSON.parse(readFileSync(join(root, "build/src/index.js.map"), "utf8")) as {
      sourcesContent?: string[];
    };
    assert.ok(map.sourcesContent?.[0]?.includes("export"), "shipped source maps carry their sources");

    const project = join(dir, "project");
    run("mkdir", [project], dir);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true }));
    run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, packed[0].filename)],
      project,
    );

    const esm = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'import { createOptimizer, getBackend } from "bamsprod"; const w = new Float32Array([0.5]);' +
          'createOptimizer("bamsprod", { lr: 0.01 }).step([{ name: "w", value: w, grad: new Float32Array([1]), binary: true }]);' +
          "console.log(getBackend().name, w[0] < 0.5);",
      ],
      project,
    );
    assert.equal(
      esm.stdout.trim(),
      "native true",
      "the install built the native kernels and the import uses them",
    );
    const cjs = run(
      process.execPath,
      ["-e", 'console.log(typeof require("bamsprod").createOptimizer)'],
      project,
    );
    assert.equal(cjs.stdout.trim(), "function", "require() loads the ESM package on this Node.js");

    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
    assert.equal(run("npx", ["bamsprod", "--version"], project).stdout.trim(), version);
    assert.match(run("npx", ["bamsprod", "info"], project).stdout, /^kernels: native/m);
  },
);
