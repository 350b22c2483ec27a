export { ClientDataCursor, type DataCursorState, epochPermutation } from './data-cursor.js';
export { type DecayFit, type DecayFitOptions, decayFit } from './decay-fit.js';
export {
  DEFAULT_DETECTOR_THRESHOLDS,
  type Detection,
  type DetectorCombine,
  type DetectorOptions,
  type DetectorRule,
  detectExtremeClients,
  detectFromFeatures,
} from './detector.js';
export {
  EarlyStoppingPolicy,
  type EarlyStoppingPolicyJSON,
  type EarlyStoppingPolicyOptions,
  type PolicyPhase,
} from './early-stopping-policy.js';
export { GradipError, type GradipErrorCode } from './errors.js';
export {
  checkPretrainingGradient,
  type GradipSeriesOptions,
  gradipOfStep,
  gradipSeries,
  type ResolvedGradipSeriesOptions,
  resolveGradipSeriesOptions,
} from './gradip-series.js';
export { GradipTracker } from './gradip-tracker.js';
export {
  type ConfusionTable,
  type DetectionScore,
  type FlagSource,
  scoreDetection,
} from './score-detection.js';
export { type ResolvedWindow, resolveWindow, type SeriesWindow } from './series-window.js';
export {
  DEFAULT_TRAJECTORY_FEATURE_OPTIONS,
  meanAbs,
  signChangeRate,
  type TrajectoryFeatureOptions,
  type TrajectoryFeatures,
  trajectoryFeatures,
} from './trajectory-features.js';
