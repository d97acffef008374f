import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `bamsprod` command with the given arguments. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The shape every input error must have: non-zero exit, message on stderr, no stack trace. */
export function isCleanError(r: CliRun): boolean {
  return r.status !== 0 && r.status !== null && r.stderr.trim().length > 0 && !/\n\s+at /.test(r.stderr);
}
