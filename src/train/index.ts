export { train, METRICS_FILE, BEST_MODEL_FILE, type TrainHooks, type TrainResult } from "./loop.js";
export {
  fit,
  evaluate,
  predict,
  type FitData,
  type FitOptions,
  type FitResult,
  type Prediction,
} from "./fit.js";
export {
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  monitorNames,
  type Callback,
  type FitContext,
  type BatchLogs,
  type MonitorName,
  type MonitorOptions,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type ReduceLROnPlateauOptions,
} from "./callbacks.js";
export {
  saveModelFile,
  readModelFile,
  loadModelFile,
  MODEL_FILE_FORMAT,
  type ModelFile,
} from "./modelFile.js";
export { resolveModelSpec, isModelFile, type ModelSpec } from "./modelSpec.js";
export { trainDefaults, validateTrainConfig, type TrainConfig } from "./config.js";
export {
  loadCheckpoint,
  saveCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  restoreModel,
  checkpointPath,
  loadModelFromCheckpoint,
  type EpochMetrics,
  type Evaluation,
  type FitSettings,
  type CheckpointState,
} from "./checkpoint.js";
export { parseSchedule } from "./scheduleSpec.js";
export { FlipCounter, countCorrect, argmaxRows } from "./metrics.js";
export { trainSummary, type TrainSummary } from "./record.js";
