import { GradipError } from './errors.js';

/** Checks that a series is a non-empty, all-finite Float64Array of at least `minLength` steps. */
export function checkSeries(series: Float64Array, minLength = 1, what = 'GradIP series'): void {
  if (!(series instanceof Float64Array)) {
    throw new GradipError('GRADIP_INVALID_ARGUMENT', `${what} must be a Float64Array`);
  }
  if (series.length === 0) {
    throw new GradipError(
      'GRADIP_EMPTY_SERIES',
      `${what} is empty; append the client's step records before computing features`,
    );
  }
  if (series.length < minLength) {
    throw new GradipError(
      'GRADIP_SERIES_TOO_SHORT',
      `${what} has ${series.length} steps but at least ${minLength} are needed`,
    );
  }
  for (let t = 0; t < series.length; t++) {
    if (!Number.isFinite(series[t]!)) {
      throw new GradipError(
        'GRADIP_NON_FINITE',
        `${what} has a non-finite value ${series[t]} at step ${t}; drop diverged steps first`,
      );
    }
  }
}
