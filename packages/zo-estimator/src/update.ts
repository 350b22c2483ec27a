import type { DirectionDistribution } from './directions.js';
import { fillDirection } from './directions.js';
import { ZoError } from './errors.js';
import type { StepRecord } from './step-record.js';

/** Options that shape how a step record moves θ. They must match between live run and replay. */
export interface UpdateOptions {
  /** Learning rate η (> 0). */
  readonly lr: number;
  /** Decoupled weight decay λ: θ ← θ − η·λ·θ before the gradient step. Default 0. */
  readonly weightDecay?: number;
  /** Directions averaged per step (streams 0 .. n−1). Default 1. */
  readonly directions?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
}

/** Validates update options once, so hot loops need not. */
export function checkUpdateOptions(options: UpdateOptions): void {
  const { lr, weightDecay = 0, directions = 1 } = options;
  if (!(Number.isFinite(lr) && lr > 0)) {
    throw new ZoError('ZO_INVALID_ARGUMENT', `lr must be a finite number > 0, got ${lr}`);
  }
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `weightDecay must be finite and >= 0, got ${weightDecay}`,
    );
  }
  if (!(Number.isInteger(directions) && directions >= 1)) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `directions must be an integer >= 1, got ${directions}`,
    );
  }
}

/**
 * Adds `scale · z(seed, stream)` to θ in place, for each stream 0 .. directions−1
 * (with `scale = −η·g / directions` this is the ZO-SGD update). `scratch` holds one direction.
 */
export function addScaledDirections(
  theta: Float32Array,
  seed: bigint,
  scale: number,
  directions: number,
  distribution: DirectionDistribution,
  scratch: Float32Array,
): void {
  if (scratch.length !== theta.length) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `scratch length ${scratch.length} must equal theta length ${theta.length}`,
    );
  }
  for (let stream = 0; stream < directions; stream++) {
    fillDirection(seed, scratch, { stream, distribution });
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + scale * scratch[i]!;
  }
}

/**
 * Applies one step record in place: θ ← (1 − η·λ)·θ − η·g·z̄, where z̄ averages the step's
 * directions. This is the single definition of the update used by live steps and by replay.
 */
export function applyStep(
  theta: Float32Array,
  step: StepRecord,
  options: UpdateOptions,
  scratch: Float32Array = new Float32Array(theta.length),
): Float32Array {
  if (!Number.isFinite(step.g)) {
    throw new ZoError(
      'ZO_NON_FINITE_GRADIENT',
      `step with seed ${step.seed} has a non-finite g (${step.g}); refusing to apply it`,
    );
  }
  const { lr, weightDecay = 0, directions = 1, distribution = 'gaussian' } = options;
  if (weightDecay > 0) {
    const keep = 1 - lr * weightDecay;
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! * keep;
  }
  addScaledDirections(
    theta,
    step.seed,
    (-lr * step.g) / directions,
    directions,
    distribution,
    scratch,
  );
  return theta;
}
