/**
 * Benchmark dispatcher: `npm run bench -- NAME [args]` runs bench/NAME.ts (compiled), whose
 * default export is `async (args: string[]) => void`. Benchmarks print ratios against a
 * baseline measured in the same run; they are never part of the test suite.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".js") && f !== "run.js")
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  console.error(
    `bench: ${name === undefined ? "no benchmark named" : `unknown benchmark "${name}"`}; ` +
      `choose one of: ${available.join(", ")} (e.g. npm run bench -- ${available[0] ?? "optim"})`,
  );
  process.exit(2);
}
const mod = (await import(`./${name}.js`)) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
