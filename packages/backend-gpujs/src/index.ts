export { capabilitiesFor } from './capabilities.js';
export { ENABLE_HINTS, type GpuLoader, loadGpu } from './gpu-loader.js';
export {
  describeSelection,
  GpujsBackend,
  type GpujsBackendOptions,
  type MatmulKernel,
  type ModeSelection,
} from './gpujs-backend.js';
export { AUTO_ORDER, type GpujsMode, isGpujsMode, type Residency, residencyOf } from './modes.js';
export { type RegisterGpujsOptions, registerBackends, registerGpujsBackends } from './register.js';
export { type CreateGpujsOptions, createGpujsBackend } from './select.js';
export { GpujsTensor } from './tensor-handle.js';
