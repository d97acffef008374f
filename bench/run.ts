/**
 * Benchmark dispatcher: `npm run bench -- NAME [args]` runs bench/NAME.ts (compiled), whose
 * default export is `async (args: string[]) => void`. Benchmarks print ratios against a
 * baseline measured in the same run; they are never part of the test suite. A bad option
 * prints one line and exits 2, as the command line does.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describeFailure } from "../src/cli/failure.js";

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
try {
  await mod.default(args);
} catch (err) {
  // As the CLI does: one line, no stack trace (BAMSPROD_DEBUG=1 shows an internal error's).
  const { message, code } = describeFailure(err);
  console.error(message);
  process.exit(code);
}
