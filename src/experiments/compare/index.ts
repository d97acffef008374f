/** The optimizer comparison: planning, resumable parallel runs, tuning, aggregation, outputs. */
export { runCompare, type CompareResults, type CompareHooks } from "./compare.js";
export { validateCompareConfig, gridFor, type CompareConfig } from "./config.js";
export { parseGridSpecs, expandGrid, defaultGrids, type Grid } from "./grid.js";
export { tuningRuns, finalRuns, trainArgs, type RunSpec } from "./plan.js";
export {
  executeRun,
  readMetrics,
  type RunFn,
  type RunOutcome,
  type TrainSummary,
  type EpochRecord,
} from "./runs.js";
export { spawnRunner, cliEntryPoint } from "./spawnRunner.js";
export { runPool } from "./pool.js";
export { chooseOptions, type TuningChoice } from "./tune.js";
export { aggregate, gaps, timeToTarget, defaultTarget, type GroupResult, type Gap } from "./aggregate.js";
export { writeCompareOutputs } from "./outputs.js";
