/**
 * The fuzz run, in a child process with a capped heap (see fuzz.test.ts): seeded mutations of
 * every target (bit flips, truncations, huge header fields, wrong JSON types). Prints one JSON
 * line: the count of cases per outcome and the first few bad outcomes.
 * Usage: node fuzzChild.js SEED ITERATIONS_PER_TARGET TEMP_DIR
 */
import { BamsprodError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/random.js";
import { mutate } from "./fuzzMutations.js";
import { targets } from "./fuzzTargets.js";

const [seed, iterations, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const rng = new Rng(seed);
const counts: Record<string, number> = {};
const bad: string[] = [];
let peakRss = 0;
for (const target of targets(dir)) {
  for (let i = 0; i < iterations; i++) {
    const { bytes, how } = mutate(target.bytes, target.json, rng);
    let outcome: string;
    try {
      target.use(bytes);
      outcome = "success";
    } catch (err) {
      const clean = err instanceof BamsprodError && !err.message.includes("\n") && err.message.length < 600;
      outcome = clean ? "refused" : "BAD";
      if (!clean && bad.length < 5) bad.push(`${target.name} ${i} (${how}): ${String(err)}`.slice(0, 400));
    }
    counts[`${target.name}: ${outcome}`] = (counts[`${target.name}: ${outcome}`] ?? 0) + 1;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
}
process.stdout.write(JSON.stringify({ counts, bad, peakRss }) + "\n");
