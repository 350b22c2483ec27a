import {
  checkDirectionCount,
  checkDistribution,
  checkPositiveFinite,
  checkScratchLength,
} from './checks.js';
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
  const { lr, weightDecay = 0, directions = 1, distribution = 'gaussian' } = options;
  checkPositiveFinite('lr', lr);
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `weightDecay must be finite and >= 0, got ${weightDecay}`,
    );
  }
  checkDirectionCount(directions);
  checkDistribution(distribution);
  if (lr * weightDecay >= 1) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `lr·weightDecay must be < 1 (the decay factor 1 − lr·weightDecay must stay positive), got ${lr}·${weightDecay}`,
    );
  }
}

/**
 * The per-direction scalars of a step record for a step with `directions` directions,
 * validated: finite, and as many as there are directions.
 */
export function directionScalars(record: StepRecord, directions: number): readonly number[] {
  const finite = (g: unknown) => typeof g === 'number' && Number.isFinite(g);
  if (!finite(record.g)) {
    throw new ZoError(
      'ZO_NON_FINITE_GRADIENT',
      `step with seed ${record.seed} has a non-finite g (${String(record.g)}); refusing to apply it`,
    );
  }
  const scalars = record.gs ?? [record.g];
  if (scalars.length !== directions) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `step with seed ${record.seed} carries ${scalars.length} direction scalar(s) but the run uses ${directions} direction(s) per step`,
    );
  }
  let sum = 0;
  for (const g of scalars) {
    if (!finite(g)) {
      throw new ZoError(
        'ZO_NON_FINITE_GRADIENT',
        `step with seed ${record.seed} has a non-finite g (${String(g)}); refusing to apply it`,
      );
    }
    sum += g;
  }
  const mean = sum / directions;
  if (record.gs !== undefined && Math.abs(record.g - mean) > 1e-12 * Math.max(1, Math.abs(mean))) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `step with seed ${record.seed} has g = ${record.g} but its per-direction scalars average ${mean}; a record's g must be the mean of gs`,
    );
  }
  return scalars;
}

/**
 * θ += scale · (1/n) Σₛ gₛ · z(seed, s), in place: the direction part of a step, weighted.
 * ZO-SGD uses scale = −η; aggregation uses scale = −η·p_c. `scratch` holds one direction.
 */
export function addStepDirections(
  theta: Float32Array,
  record: StepRecord,
  scale: number,
  directions: number,
  distribution: DirectionDistribution,
  scratch: Float32Array,
): void {
  checkScratchLength(scratch, theta, 'theta');
  const scalars = directionScalars(record, directions);
  for (let stream = 0; stream < directions; stream++) {
    const coefficient = (scale * scalars[stream]!) / directions;
    fillDirection(record.seed, scratch, { stream, distribution });
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + coefficient * scratch[i]!;
  }
}

/**
 * ⟨v, (1/n) Σₛ gₛ z(seed, s)⟩ in float64: the inner product of a vector with a step's gradient
 * estimate, without materialising more than one direction (GradIP uses this).
 */
export function projectStep(
  vector: Float32Array,
  record: StepRecord,
  directions: number,
  distribution: DirectionDistribution,
  scratch: Float32Array,
): number {
  checkScratchLength(scratch, vector, 'vector');
  const scalars = directionScalars(record, directions);
  let total = 0;
  for (let stream = 0; stream < directions; stream++) {
    fillDirection(record.seed, scratch, { stream, distribution });
    let dot = 0;
    for (let i = 0; i < vector.length; i++) dot += vector[i]! * scratch[i]!;
    total += scalars[stream]! * dot;
  }
  return total / directions;
}

/**
 * Applies one step record in place: θ ← (1 − η·λ)·θ − η·(1/n)·Σₛ gₛ·z(seed, s).
 * This is the single definition of the update, used by live steps and by replay.
 */
export function applyStep(
  theta: Float32Array,
  step: StepRecord,
  options: UpdateOptions,
  scratch: Float32Array = new Float32Array(theta.length),
): Float32Array {
  const { lr, weightDecay = 0, directions = 1, distribution = 'gaussian' } = options;
  directionScalars(step, directions); // validate before touching θ
  checkScratchLength(scratch, theta, 'theta');
  if (weightDecay > 0) {
    const keep = 1 - lr * weightDecay;
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! * keep;
  }
  addStepDirections(theta, step, -lr, directions, distribution, scratch);
  return theta;
}

/**
 * θ += scale · Σₛ z(seed, s) for streams s < directions, in place: the same weight on every
 * direction. Prefer `addStepDirections` for step records.
 */
export function addScaledDirections(
  theta: Float32Array,
  seed: bigint,
  scale: number,
  directions: number,
  distribution: DirectionDistribution,
  scratch: Float32Array,
): void {
  const gs = new Array<number>(directions).fill(1);
  addStepDirections(
    theta,
    { seed, g: 1, gs },
    scale * directions,
    directions,
    distribution,
    scratch,
  );
}
