#!/usr/bin/env node
/**
 * The `bamsprod` command. Each subcommand lives in its own module under src/cli/commands/ and
 * exports `register(program)`. Errors caused by input (BamsprodError, commander's usage
 * errors) print one line and exit non-zero, without a stack trace.
 */
import { Command, CommanderError } from "commander";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setBackend } from "../kernels/backend.js";
import { chooseBackend } from "../kernels/select.js";
import { describeFailure } from "./failure.js";

const modelRunners = new Set(["train", "predict", "export"]);

type Registrar = { register: (program: Command) => void };

/** The version in package.json (two directories above build/src/cli). */
function packageVersion(): string {
  const path = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "package.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command("bamsprod")
    .description("Train binary neural networks with the BAMSProd optimizer")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const commandsDir = join(dirname(fileURLToPath(import.meta.url)), "commands");
  const modules = readdirSync(commandsDir)
    .filter((f) => f.endsWith(".js"))
    .sort();
  for (const file of modules) {
    const mod = (await import(join(commandsDir, file))) as Registrar;
    mod.register(program);
  }
  // The backend is chosen once, before any subcommand computes (native when the addon loads),
  // as the library's default is. Commands that run models say which; the others stay quiet.
  program.hook("preAction", (_program, action) => {
    const { backend, notice } = chooseBackend();
    setBackend(backend);
    if (modelRunners.has(action.name())) process.stderr.write(`${notice}\n`);
  });
  await program.parseAsync(argv);
}

function fail(err: unknown): never {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help); only the exit code is left.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const { message, code } = describeFailure(err);
  process.stderr.write(`bamsprod: ${message}\n`);
  process.exit(code);
}

// Errors thrown outside the command's promise (a callback, a stream) end the same way: one line.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
main(process.argv).catch(fail);
