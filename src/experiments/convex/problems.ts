/** The problems `bamsprod convex` runs, by id. */
import { BamsprodError, show } from "../../util/errors.js";
import type { ConvexProblem } from "./problem.js";
import { reddiProblem } from "./reddi.js";
import { stochasticReddiProblem } from "./stochasticReddi.js";
import { leastSquaresProblem } from "./leastSquares.js";

const factories: Record<string, () => ConvexProblem> = {
  reddi: () => reddiProblem({ binarized: false }),
  "reddi-binary": () => reddiProblem({ binarized: true }),
  "stochastic-reddi-binary": () => stochasticReddiProblem(),
  "least-squares-binary": () => leastSquaresProblem(),
};

/** Problem ids in report order. */
export const convexProblemIds: readonly string[] = Object.keys(factories);

export function convexProblem(id: string): ConvexProblem {
  const make = factories[id];
  if (make === undefined) {
    throw new BamsprodError(`unknown convex problem ${show(id)}; choose from ${convexProblemIds.join(", ")}`);
  }
  return make();
}
