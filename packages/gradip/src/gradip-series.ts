import {
  type DirectionDistribution,
  projectStep,
  type StepRecord,
  ZoError,
} from '@meerkat/zo-estimator';
import { GradipError } from './errors.js';

/** How the steps' directions were generated; must match the options of the run that made them. */
export interface GradipSeriesOptions {
  /** Directions averaged per step (Philox streams 0 .. n−1). Default 1. */
  readonly directions?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
}

/** Options resolved and validated once. */
export interface ResolvedGradipSeriesOptions {
  readonly directions: number;
  readonly distribution: DirectionDistribution;
}

export function resolveGradipSeriesOptions(
  options: GradipSeriesOptions = {},
): ResolvedGradipSeriesOptions {
  const { directions = 1, distribution = 'gaussian' } = options;
  if (!(Number.isInteger(directions) && directions >= 1)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `directions must be an integer >= 1 (the value the clients trained with), got ${directions}`,
    );
  }
  if (distribution !== 'gaussian' && distribution !== 'rademacher') {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `distribution must be 'gaussian' or 'rademacher', got ${String(distribution)}`,
    );
  }
  return { directions, distribution };
}

/**
 * Checks that ḡ_pre is non-empty and finite. Call once per ḡ_pre; the per-step functions trust it.
 */
export function checkPretrainingGradient(gPre: Float32Array): void {
  if (!(gPre instanceof Float32Array) || gPre.length === 0) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      'the pre-training gradient at the mask must be a non-empty Float32Array of length k',
    );
  }
  for (let i = 0; i < gPre.length; i++) {
    if (!Number.isFinite(gPre[i]!)) {
      throw new GradipError(
        'GRADIP_NON_FINITE',
        `the pre-training gradient has a non-finite entry ${gPre[i]} at index ${i}; recompute it (e.g. with a smaller calibration loss scale)`,
      );
    }
  }
}

/**
 * GradIP of one step: ⟨ḡ_pre, (1/n) Σ_s g_s z(seed, s)⟩ = (1/n) Σ_s g_s ⟨ḡ_pre, z(seed, s)⟩, the
 * pre-training gradient against the step's update direction (as `applyStep` defines it). With one
 * direction this is g · ⟨ḡ_pre, z(seed)⟩; with n > 1 the record must carry the n scalars `gs`.
 *
 * The arithmetic and the record checks are zo-estimator's `projectStep` (float64 accumulation, one
 * direction in `scratch` at a time); its errors come back as `GradipError`s.
 */
export function gradipOfStep(
  step: StepRecord,
  gPre: Float32Array,
  options: ResolvedGradipSeriesOptions,
  scratch: Float32Array,
): number {
  if (scratch.length !== gPre.length) {
    throw new GradipError(
      'GRADIP_LENGTH_MISMATCH',
      `scratch length ${scratch.length} must equal the mask size k = ${gPre.length}`,
    );
  }
  try {
    return projectStep(gPre, step, options.directions, options.distribution, scratch);
  } catch (error) {
    throw asGradipError(error);
  }
}

/**
 * `projectStep`'s errors in this package's terms. With the scratch length checked first, its
 * `ZO_INVALID_ARGUMENT` can only mean a record whose scalar count differs from `directions`.
 */
function asGradipError(error: unknown): unknown {
  if (!(error instanceof ZoError)) return error;
  switch (error.code) {
    case 'ZO_NON_FINITE_GRADIENT':
      return new GradipError(
        'GRADIP_NON_FINITE',
        `cannot compute GradIP (${error.message}); drop skipped steps first`,
        { cause: error },
      );
    case 'ZO_INVALID_ARGUMENT':
      return new GradipError(
        'GRADIP_LENGTH_MISMATCH',
        `cannot compute GradIP (${error.message}); pass the run's directions option (records with n > 1 directions need gs)`,
        { cause: error },
      );
    default:
      return new GradipError('GRADIP_INVALID_ARGUMENT', error.message, { cause: error });
  }
}

/**
 * The GradIP series of one client's step records:
 * `GradIP_t = (1/n) Σ_s g_{t,s} · ⟨ḡ_pre, z(s_t, s)⟩` (= `g_t · ⟨ḡ_pre, z(s_t)⟩` for one
 * direction), one O(k) float64 dot per step and direction. Only the (seed, g) records
 * and ḡ_pre (length k, the pre-training gradient at the mask) are needed, no client data.
 * `scratch` (length k) may be passed to avoid the one k-sized allocation.
 */
export function gradipSeries(
  steps: readonly StepRecord[],
  gPre: Float32Array,
  options: GradipSeriesOptions = {},
  scratch: Float32Array = new Float32Array(gPre.length),
): Float64Array {
  const resolved = resolveGradipSeriesOptions(options);
  checkPretrainingGradient(gPre);
  const out = new Float64Array(steps.length);
  for (let t = 0; t < steps.length; t++) out[t] = gradipOfStep(steps[t]!, gPre, resolved, scratch);
  return out;
}
