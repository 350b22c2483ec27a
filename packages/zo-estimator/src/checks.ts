import type { DirectionDistribution } from './directions.js';
import { ZoError } from './errors.js';

/** Argument checks shared by the estimator, the update and the direction stream. */

export function checkPositiveFinite(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ZoError('ZO_INVALID_ARGUMENT', `${name} must be a finite number > 0, got ${value}`);
  }
}

export function checkDirectionCount(directions: number): void {
  if (!(Number.isInteger(directions) && directions >= 1)) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `directions must be an integer >= 1, got ${directions}`,
    );
  }
}

export function checkDistribution(distribution: DirectionDistribution): void {
  if (distribution !== 'gaussian' && distribution !== 'rademacher') {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `distribution must be 'gaussian' or 'rademacher', got ${String(distribution)}`,
    );
  }
}

/** A caller-owned scratch buffer must have the length of the vector it works with. */
export function checkScratchLength(
  scratch: Float32Array,
  vector: Float32Array,
  name: string,
): void {
  if (scratch.length !== vector.length) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `scratch length ${scratch.length} must equal ${name} length ${vector.length}`,
    );
  }
}
