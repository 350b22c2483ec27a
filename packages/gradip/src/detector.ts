import { GradipError } from './errors.js';
import {
  type TrajectoryFeatureOptions,
  type TrajectoryFeatures,
  trajectoryFeatures,
} from './trajectory-features.js';

/** How the two threshold rules combine. */
export type DetectorCombine = 'and' | 'or';

/** The two rules of the Meerkat-vp detector. */
export type DetectorRule = 'later-ratio' | 'quiet-fraction';

export interface DetectorOptions extends TrajectoryFeatureOptions {
  /** τ₁: the later-ratio rule fires when ρ_later > τ₁. Default 8. */
  readonly tauLater?: number;
  /** τ₂: the quiet-fraction rule fires when ρ_quiet > τ₂. Default 0.7. */
  readonly tauQuiet?: number;
  /** `'and'` (default): flag when both rules fire; `'or'`: when either does. */
  readonly combine?: DetectorCombine;
}

/**
 * Default thresholds. The paper's values are not public; these come from the measurements in
 * DESIGN.md §6 (single-label clients: ρ_later 16–36, quiet 0.77–0.95; mixed: ρ_later ≤ 4.4,
 * quiet ≤ 0.57) and are configurable.
 */
export const DEFAULT_DETECTOR_THRESHOLDS = {
  tauLater: 8,
  tauQuiet: 0.7,
  combine: 'and',
} as const satisfies Required<Pick<DetectorOptions, 'tauLater' | 'tauQuiet' | 'combine'>>;

/** The detector's verdict on one client. */
export interface Detection {
  readonly clientId: string;
  /** True when the client is judged extreme Non-IID. */
  readonly flagged: boolean;
  /** The rules that fired (may be non-empty while not flagged under `'and'`). */
  readonly fired: readonly DetectorRule[];
  /** One line that says why, e.g. `ρ_later 36.3 > 8 and ρ_quiet 0.95 > 0.7`. */
  readonly reason: string;
  readonly features: TrajectoryFeatures;
}

interface Thresholds {
  readonly tauLater: number;
  readonly tauQuiet: number;
  readonly combine: DetectorCombine;
}

function resolveThresholds(options: DetectorOptions): Thresholds {
  const d = DEFAULT_DETECTOR_THRESHOLDS;
  const { tauLater = d.tauLater, tauQuiet = d.tauQuiet, combine = d.combine } = options;
  if (!(Number.isFinite(tauLater) && tauLater > 0)) {
    throw new GradipError('GRADIP_INVALID_ARGUMENT', `tauLater must be > 0, got ${tauLater}`);
  }
  if (!(Number.isFinite(tauQuiet) && tauQuiet >= 0 && tauQuiet < 1)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `tauQuiet must be in [0, 1) (a fraction of steps), got ${tauQuiet}`,
    );
  }
  if (combine !== 'and' && combine !== 'or') {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `combine must be 'and' or 'or', got ${String(combine)}`,
    );
  }
  return { tauLater, tauQuiet, combine };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : String(x);
}

function judge(clientId: string, features: TrajectoryFeatures, th: Thresholds): Detection {
  const later = features.rhoLater > th.tauLater;
  const quiet = features.rhoQuiet > th.tauQuiet;
  const fired: DetectorRule[] = [];
  if (later) fired.push('later-ratio');
  if (quiet) fired.push('quiet-fraction');
  const flagged = th.combine === 'and' ? later && quiet : later || quiet;
  const laterText = `ρ_later ${fmt(features.rhoLater)} ${later ? '>' : '≤'} ${th.tauLater}`;
  const quietText = `ρ_quiet ${fmt(features.rhoQuiet)} ${quiet ? '>' : '≤'} ${th.tauQuiet}`;
  return {
    clientId,
    flagged,
    fired,
    reason: `${flagged ? 'flagged' : 'not flagged'}: ${laterText} ${th.combine} ${quietText}`,
    features,
  };
}

/** Applies the thresholds to features that were already computed (one verdict per client). */
export function detectFromFeatures(
  features: ReadonlyMap<string, TrajectoryFeatures> | Readonly<Record<string, TrajectoryFeatures>>,
  options: DetectorOptions = {},
): Detection[] {
  const th = resolveThresholds(options);
  const entries = features instanceof Map ? [...features.entries()] : Object.entries(features);
  return entries.map(([id, f]) => judge(id, f, th));
}

/**
 * The Meerkat-vp detector: computes each client's trajectory features from its GradIP series and
 * flags it when `ρ_later > τ₁` and/or `ρ_quiet > τ₂` (see `DetectorOptions`).
 */
export function detectExtremeClients(
  seriesByClient: ReadonlyMap<string, Float64Array> | Readonly<Record<string, Float64Array>>,
  options: DetectorOptions = {},
): Detection[] {
  const th = resolveThresholds(options);
  const entries =
    seriesByClient instanceof Map ? [...seriesByClient.entries()] : Object.entries(seriesByClient);
  return entries.map(([id, series]) => {
    let features: TrajectoryFeatures;
    try {
      features = trajectoryFeatures(series, options);
    } catch (error) {
      if (error instanceof GradipError) {
        throw new GradipError(error.code, `client '${id}': ${error.message}`);
      }
      throw error;
    }
    return judge(id, features, th);
  });
}
