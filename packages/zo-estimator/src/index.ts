/**
 * Re-exported from `@meerkat/seeded`, their owner, so code written against earlier releases keeps
 * working; new code imports them from `@meerkat/seeded`.
 */
export { crc32, fnv1a32, PHILOX_ROUNDS, philox4x32, philox4x32Into } from '@meerkat/seeded';
export { DEFAULT_DIRECTION_POOL_THRESHOLD, type DirectionPool } from './direction-pool.js';
export {
  type DirectionDistribution,
  type DirectionOptions,
  fillDirection,
  fillDirectionRange,
} from './directions.js';
export { ZoError, type ZoErrorCode } from './errors.js';
export {
  type DirectionFill,
  type Estimate,
  type EstimateOptions,
  type EstimateScheme,
  estimateProjectedGradient,
  evaluateDirections,
  type Objective,
  type ResolvedEstimateOptions,
  resolveEstimateOptions,
} from './estimator.js';
export {
  applyStepFromSaved,
  applyStepFromSavedAsync,
  type DirectionRangeFill,
  FUSED_CHUNK_ENTRIES,
} from './fused-update.js';
export {
  type NonFinitePolicy,
  ZoOptimizer,
  type ZoOptimizerOptions,
  type ZoStepResult,
} from './optimizer.js';
export { replay } from './replay.js';
export { deriveSeed, SEED_DERIVATION_TAG_V1, seedToKey } from './seed.js';
export type { StepRecord } from './step-record.js';
export {
  addScaledDirections,
  addStepDirections,
  addStepDirectionsAsync,
  applyStep,
  checkUpdateOptions,
  directionScalars,
  projectStep,
  type UpdateOptions,
} from './update.js';
