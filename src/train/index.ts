export { train, evaluate, METRICS_FILE, type TrainHooks, type TrainResult } from "./loop.js";
export { trainDefaults, validateTrainConfig, type TrainConfig } from "./config.js";
export {
  loadCheckpoint,
  saveCheckpoint,
  checkpointPath,
  type EpochMetrics,
  type CheckpointState,
} from "./checkpoint.js";
export { parseSchedule } from "./scheduleSpec.js";
export { FlipCounter, countCorrect, argmaxRows } from "./metrics.js";
