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
export type { CaseContext, ConformanceCase, Input } from './conformance/case.js';
export { ConformanceFailure, type Tolerance } from './conformance/compare.js';
export { SeededRandom } from './conformance/random.js';
export {
  type CaseOutcome,
  type ConformanceOptions,
  type ConformanceReport,
  checkBackend,
  conformanceCases,
  runCase,
  runConformanceSuite,
  type TestApi,
} from './conformance/suite.js';
export { isTensorError, TensorError, type TensorErrorCode } from './errors.js';
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
