/**
 * The import graph of compiled modules, for tests that keep an entry point browser-safe (a
 * helper, not a test).
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** build/src, where the compiled library is. */
export const buildSrc = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every bare (non-relative) import specifier reachable from `entry` through relative imports. */
export function outsideImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const outside = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']/g)) {
      const spec = match[1];
      if (spec.startsWith(".")) pending.push(join(dirname(file), spec));
      else outside.add(spec);
    }
    for (const match of source.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) outside.add(match[1]);
  }
  return outside;
}

/** The specifiers among `specs` that name a Node built-in module. */
export function nodeBuiltins(specs: Iterable<string>): string[] {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  return [...specs].filter((spec) => builtins.has(spec) || spec.startsWith("node:"));
}
