/** The convex counter-examples: problems, runner, verdicts, outputs. */
export type { ConvexProblem, ProblemSettings } from "./problem.js";
export { reddiProblem, reddiCoefficient } from "./reddi.js";
export { stochasticReddiProblem } from "./stochasticReddi.js";
export { leastSquaresProblem } from "./leastSquares.js";
export { convexProblem, convexProblemIds } from "./problems.js";
export { runConvex, logSpacedSteps, type ConvexRun, type TracePoint } from "./run.js";
export { verdict, CONVERGENCE_TOLERANCE, type Verdict } from "./verdict.js";
export {
  runConvexExperiment,
  writeConvexOutputs,
  convexSummary,
  type ConvexResults,
  type ConvexExperimentOptions,
} from "./experiment.js";
