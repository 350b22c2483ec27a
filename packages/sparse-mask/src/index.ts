/** Re-exported from `@meerkat/seeded`, its owner, for code written against earlier releases. */
export { fnv1a64Hex } from '@meerkat/seeded';
export {
  magnitudeMask,
  randomMask,
  sampleUniformIndices,
  type TopKMaskOptions,
  topKMask,
} from './baselines.js';
export { type CalibrationSelectOptions, MaskCalibrator } from './calibrator.js';
export { SparseMaskError, type SparseMaskErrorCode } from './errors.js';
export { gatherMasked, scatterMasked } from './gather-scatter.js';
export {
  createLayout,
  type FlatLocation,
  LAYOUT_FINGERPRINT_TAG,
  type LayoutTensor,
  layoutFingerprintBytes,
  MAX_LAYOUT_SIZE,
  ParameterLayout,
  type TensorSpec,
} from './layout.js';
export {
  decodeMask,
  encodeMask,
  MASK_FLAG_GRAD_MEAN,
  MASK_FLAG_SCORES,
  MASK_FORMAT_VERSION,
  MASK_HEADER_BYTES,
  MASK_MAGIC,
} from './mask-codec.js';
export { type MaskEnergy, type MaskEnergyOptions, maskEnergy } from './mask-energy.js';
export { apportionK, type MaskSize, resolveMaskSize } from './mask-size.js';
export { type ScoreInput, type SelectionScope, selectMaskIndices } from './select-mask.js';
export {
  assertMaskMatchesLayout,
  createSparseMask,
  maskSize,
  type SparseMask,
  type SparseMaskInit,
} from './sparse-mask.js';
export { selectTopK, type TopKOptions } from './top-k.js';
export type { LayoutVector, TensorMap } from './vectors.js';
export { Xoshiro128 } from './xoshiro128.js';
