export { capabilitiesFor } from './capabilities.js';
export {
  BROWSER_RUNTIMES,
  type CreateOrtOptions,
  createOrtBackendWith,
  type EnginePrecheck,
  type EngineSearch,
  loadEngine,
  NODE_RUNTIMES,
  type RuntimeMap,
} from './create-backend.js';
export {
  AUTO_ORDER,
  ENGINES,
  type EngineSpec,
  isOrtEngine,
  NODE_AUTO_ORDER,
  type OrtEngine,
  type OrtRuntime,
} from './engines.js';
export { createOrtBackend } from './node-engines.js';
export { type OnnxAttribute, type OnnxDType, OnnxGraph, OPSET } from './onnx-graph.js';
export {
  describeEngineSelection,
  type EngineSelection,
  OrtBackend,
  type OrtBackendOptions,
  type OrtBackendStats,
} from './ort-backend.js';
export type { OrtModule } from './ort-module.js';
export { OrtTensor } from './ort-tensor.js';
export { type RegisterOrtOptions, registerBackends, registerOrtBackends } from './register.js';
