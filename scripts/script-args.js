// The command line of a developer script (build-demo, measure-demo): its options parsed with
// node:util's parseArgs, and `fail`, which prints "NAME: message" to stderr and exits 1 (also
// on an unknown or malformed option).

import { parseArgs } from "node:util";

/** { values, fail } for the script NAME taking `options` (parseArgs's option table). */
export function scriptArgs(name, options) {
  const fail = (message) => {
    console.error(`${name}: ${message}`);
    process.exit(1);
  };
  try {
    return { values: parseArgs({ options }).values, fail };
  } catch (err) {
    return { values: fail(err.message), fail };
  }
}
