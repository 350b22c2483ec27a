import { checkSeries } from './check-series.js';
import { GradipError } from './errors.js';

export interface DecayFitOptions {
  /**
   * The floor added inside the log, relative to the series' largest |value|:
   * `tiny = floorRel · max_t |x_t|`. Default 1e-12. Keeps exact zeros finite.
   */
  readonly floorRel?: number;
}

/** Least-squares line through (t, log(|x_t| + tiny)), t = 0 .. n−1. */
export interface DecayFit {
  /** Fitted slope of log|x| per step. */
  readonly slope: number;
  /** Fitted log|x| at t = 0. */
  readonly intercept: number;
  /** Exponential decay rate λ = −slope (|x_t| ≈ e^intercept · e^(−λt)); > 0 means decaying. */
  readonly rate: number;
  /** Coefficient of determination of the fit; 1 when log|x| is exactly linear (incl. constant). */
  readonly r2: number;
}

/**
 * Fits `log(|x_t| + tiny) ≈ intercept + slope · t` by least squares over the whole series.
 * An exact exponential a·e^(−λt) gives rate = λ and r2 = 1. Needs ≥ 2 steps and a series that
 * is not all zeros (`GRADIP_ZERO_SCALE`).
 */
export function decayFit(series: Float64Array, options: DecayFitOptions = {}): DecayFit {
  const { floorRel = 1e-12 } = options;
  if (!(Number.isFinite(floorRel) && floorRel > 0)) {
    throw new GradipError('GRADIP_INVALID_ARGUMENT', `floorRel must be > 0, got ${floorRel}`);
  }
  checkSeries(series, 2);
  const n = series.length;
  let maxAbs = 0;
  for (let t = 0; t < n; t++) maxAbs = Math.max(maxAbs, Math.abs(series[t]!));
  if (maxAbs === 0) {
    throw new GradipError(
      'GRADIP_ZERO_SCALE',
      'the series is all zeros, so it has no decay rate; check ḡ_pre and the step records',
    );
  }
  const tiny = floorRel * maxAbs;
  const meanT = (n - 1) / 2;
  let meanY = 0;
  for (let t = 0; t < n; t++) meanY += Math.log(Math.abs(series[t]!) + tiny);
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < n; t++) {
    const dx = t - meanT;
    const dy = Math.log(Math.abs(series[t]!) + tiny) - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant log|x| (up to float64 round-off of the mean) is fitted exactly by a flat line.
  const roundOff = 1e-12 * (1 + Math.abs(meanY));
  if (syy <= n * roundOff * roundOff) return { slope: 0, intercept: meanY, rate: 0, r2: 1 };
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanT;
  // SS_res = syy − slope·sxy for a least-squares line; guard round-off below zero.
  const ssRes = Math.max(0, syy - slope * sxy);
  const r2 = 1 - ssRes / syy;
  return { slope, intercept, rate: 0 - slope, r2 };
}
