/** Deployment of trained binary models: the packed 1-bit format (.bnn) and ONNX export. */
export type {
  PackedSpec,
  PackedLayer,
  PackedKernel,
  RescaleLayer,
  FlattenLayer,
  DenseLayer,
  Conv2DLayer,
  BiasLayer,
  MaxPool2DLayer,
  ThresholdLayer,
  ScaleShiftLayer,
} from "./format.js";
export { PACKED_MAGIC, PACKED_VERSION } from "./format.js";
export { compileModel } from "./compile.js";
export { encodePacked } from "./encode.js";
export { decodePacked } from "./decode.js";
export { crc32 } from "./crc32.js";
export { layerShapes } from "./shapes.js";
export { PackedModel, loadPacked, type PixelArray } from "./packedModel.js";
export { exportOnnx, ONNX_OPSET } from "./onnx.js";
export { sizeReport, type SizeReport } from "./sizes.js";
export {
  exportCheckpoint,
  exportPackedFile,
  exportSpec,
  exportFormats,
  type ExportFormat,
  type ExportResult,
  type ExportedFile,
} from "./fromCheckpoint.js";
export { generateC, C_FILES, type CModel } from "./c/index.js";
export { classNames } from "./classNames.js";
export { readTfjsModel, tfjsFileSaver, exportTfjsFile, type TfjsArtifacts } from "./tfjsFiles.js";
