// The browser entry (the `browser` export condition of "."): what index.ts exports, with
// `createOrtBackend`, `registerOrtBackends` and `registerBackends` on onnxruntime-web
// (`ort:webgpu`, `ort:wasm`), which is imported by a literal specifier so bundlers include it.
// Nothing reachable from here imports onnxruntime-node or a `node:` module (browser.test.ts
// bundles it for browsers to check).
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
  type CreateBrowserOrtOptions,
  createBrowserOrtBackend as createOrtBackend,
  type RegisterBrowserOrtOptions,
  type RegisterBrowserOrtOptions as RegisterOrtOptions,
  registerBrowserBackends as registerBackends,
  registerBrowserOrtBackends as registerOrtBackends,
  wasmSetupOf,
} from './create-browser-backend.js';
export {
  AUTO_ORDER,
  ENGINES,
  type EngineSpec,
  isOrtEngine,
  NODE_AUTO_ORDER,
  type OrtEngine,
  type OrtRuntime,
} from './engines.js';
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
export type { OrtWasmSetup, OrtWebOptions } from './ort-web.js';
