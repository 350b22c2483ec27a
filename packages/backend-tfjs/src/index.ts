export { capabilitiesFor } from './capabilities.js';
export {
  ENGINE_ORDER,
  type EngineLoader,
  type EngineVariant,
  INSTALL_HINTS,
  loadEngine,
  type Tf,
  type TfjsEngine,
} from './engines.js';
export { type RegisterTfjsOptions, registerBackends, registerTfjsBackends } from './register.js';
export { type CreateTfjsOptions, createTfjsBackend } from './select.js';
export { TfjsTensor } from './tensor-handle.js';
export {
  describeSelection,
  type EngineSelection,
  TfjsBackend,
  type TfjsBackendOptions,
} from './tfjs-backend.js';
export { DEFAULT_TRANSPOSE_CACHE_BYTES } from './transpose-cache.js';
