export type {
  AttentionOptions,
  Backend,
  Capabilities,
  DType,
  MatmulOptions,
  MemoryInfo,
  Precision,
  Rotary,
  Tensor,
  ValueAndGradients,
} from './backend.js';
export {
  type AvailableVariant,
  type BackendFamily,
  type FamilySelection,
  familySelection,
  firstAvailable,
  type MakeVariant,
  type RegisterFamilyOptions,
  registerFamily,
  type SkippedVariant,
} from './backend-family.js';
export { errorReason, isTensorError, TensorError, type TensorErrorCode } from './errors.js';
export {
  oracleAttention,
  oracleBroadcast,
  oracleCrossEntropy,
  oracleEmbedding,
  oracleLogSoftmax,
  oracleMap,
  oracleMatmul,
  oracleRmsNorm,
  oracleRope,
  oracleRopeTables,
  oracleSilu,
  oracleSum,
  oracleVisible,
} from './oracle.js';
export { createReferenceBackend, REFERENCE_CAPABILITIES } from './reference-backend.js';
export {
  type BackendAvailability,
  type BackendFactory,
  backendPackageName,
  createBackend,
  probeBackends,
  type RegisterOptions,
  registerBackend,
  registeredBackends,
  type Unavailable,
  unavailable,
  unregisterBackend,
} from './registry.js';
export { ropeTables } from './rope-tables.js';
export { ScopeAccounting, type ScopeAccountingHooks } from './scope-accounting.js';
export {
  type AttentionDims,
  attentionDims,
  broadcastRepeats,
  checkFinite,
  checkReshape,
  checkSameShape,
  checkScatterIndices,
  checkUpload,
  crossEntropyDims,
  embeddingDims,
  lastAxis,
  type MatmulDims,
  matmulDims,
  type RopeDims,
  rmsNormDims,
  ropeDims,
  shapeSize,
} from './shapes.js';
export { BackendTensor, TensorLifetime, type TensorOwner } from './tensor-lifetime.js';
