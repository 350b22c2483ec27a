import { checkSeries } from './check-series.js';
import { type DecayFit, decayFit } from './decay-fit.js';
import { GradipError } from './errors.js';
import { type ResolvedWindow, resolveWindow, type SeriesWindow } from './series-window.js';

/** Windows and thresholds of the trajectory features. Defaults follow DESIGN.md §6. */
export interface TrajectoryFeatureOptions {
  /** The initial window. Default `{ from: 0, length: 30 }` (the first 30 steps). */
  readonly initial?: SeriesWindow;
  /** The later window. Default `{ fromEnd: 60 }` (the last 60 steps). */
  readonly later?: SeriesWindow;
  /** Quiet threshold relative to the initial scale: σ = sigmaRel · S_init. Default 0.1. */
  readonly sigmaRel?: number;
  /** Floor of the decay fit's log, relative to max|x|. Default 1e-12. */
  readonly decayFloorRel?: number;
}

/** The defaults measured in DESIGN.md §6 (150-step calibration paths). */
export const DEFAULT_TRAJECTORY_FEATURE_OPTIONS = {
  initial: { from: 0, length: 30 },
  later: { fromEnd: 60 },
  sigmaRel: 0.1,
  decayFloorRel: 1e-12,
} as const satisfies Required<TrajectoryFeatureOptions>;

/** Everything the detector looks at, for one client's GradIP series x_0 .. x_{n−1}. */
export interface TrajectoryFeatures {
  /** Series length n. */
  readonly length: number;
  /** S_init = mean |x_t| over the initial window. */
  readonly initialScale: number;
  /** S_later = mean |x_t| over the later window. */
  readonly laterScale: number;
  /** ρ_later = S_init / S_later; +Infinity when the later window is exactly zero. */
  readonly rhoLater: number;
  /** σ = sigmaRel · S_init. */
  readonly sigma: number;
  /** ρ_quiet = |{t ∈ later : |x_t| < σ}| / |later|. */
  readonly rhoQuiet: number;
  /** Fraction of consecutive pairs with a strict sign flip (x_t · x_{t+1} < 0). */
  readonly signChangeRate: number;
  /** Least-squares fit of log(|x_t| + tiny) against t. */
  readonly decay: DecayFit;
}

/** mean |x_t| over a resolved window. */
export function meanAbs(series: Float64Array, window: ResolvedWindow): number {
  let sum = 0;
  for (let t = window.start; t < window.end; t++) sum += Math.abs(series[t]!);
  return sum / (window.end - window.start);
}

/**
 * Sign-change rate: (number of t with x_t · x_{t+1} < 0) / (n − 1). A pair that contains an exact
 * zero is not a sign change. Needs ≥ 2 steps.
 */
export function signChangeRate(series: Float64Array): number {
  checkSeries(series, 2);
  let changes = 0;
  for (let t = 0; t + 1 < series.length; t++) {
    if (series[t]! * series[t + 1]! < 0) changes++;
  }
  return changes / (series.length - 1);
}

function checkSigmaRel(sigmaRel: number): void {
  if (!(Number.isFinite(sigmaRel) && sigmaRel > 0)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `sigmaRel must be a finite number > 0, got ${sigmaRel}`,
    );
  }
}

/**
 * All trajectory features of one GradIP series (formulas on `TrajectoryFeatures`).
 *
 * Guard rails, never a silent number: an empty series → `GRADIP_EMPTY_SERIES`; a series shorter
 * than either window → `GRADIP_WINDOW_TOO_LARGE`; a non-finite value → `GRADIP_NON_FINITE`; an
 * initial window that is exactly zero (no scale to compare against) → `GRADIP_ZERO_SCALE`. The
 * windows may overlap when the series is short; they are not required to be disjoint.
 */
export function trajectoryFeatures(
  series: Float64Array,
  options: TrajectoryFeatureOptions = {},
): TrajectoryFeatures {
  const d = DEFAULT_TRAJECTORY_FEATURE_OPTIONS;
  const sigmaRel = options.sigmaRel ?? d.sigmaRel;
  checkSigmaRel(sigmaRel);
  checkSeries(series, 2);
  const n = series.length;
  const initial = resolveWindow(options.initial ?? d.initial, n, 'initial');
  const later = resolveWindow(options.later ?? d.later, n, 'later');
  const initialScale = meanAbs(series, initial);
  if (initialScale === 0) {
    throw new GradipError(
      'GRADIP_ZERO_SCALE',
      'the initial window of the GradIP series is exactly zero, so ρ_later and σ are undefined; ' +
        'check that ḡ_pre is non-zero at the mask and that the client sent real steps',
    );
  }
  const laterScale = meanAbs(series, later);
  const rhoLater = laterScale === 0 ? Number.POSITIVE_INFINITY : initialScale / laterScale;
  const sigma = sigmaRel * initialScale;
  let quiet = 0;
  for (let t = later.start; t < later.end; t++) if (Math.abs(series[t]!) < sigma) quiet++;
  const rhoQuiet = quiet / (later.end - later.start);
  return {
    length: n,
    initialScale,
    laterScale,
    rhoLater,
    sigma,
    rhoQuiet,
    signChangeRate: signChangeRate(series),
    decay: decayFit(series, { floorRel: options.decayFloorRel ?? d.decayFloorRel }),
  };
}
