import { checkDirectionCount, checkDistribution, checkPositiveFinite } from './checks.js';
import { type DirectionDistribution, fillDirection } from './directions.js';
import { ZoError } from './errors.js';

/** A loss to minimise, evaluated at the current trainable values (sync or async). */
export type Objective = (theta: Float32Array) => number | Promise<number>;

/** `'two-point'`: (L(θ+εz) − L(θ−εz)) / 2ε. `'one-sided'`: (L(θ+εz) − L(θ)) / ε. */
export type EstimateScheme = 'two-point' | 'one-sided';

export interface EstimateOptions {
  /** Perturbation scale ε. Default 1e-3. */
  readonly eps?: number;
  /** Directions averaged per estimate (Philox streams 0 .. n−1). Default 1. */
  readonly directions?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
  /** Default `'two-point'`. */
  readonly scheme?: EstimateScheme;
}

/** What one estimate measured. */
export interface Estimate {
  /** Projected gradient averaged over the directions. */
  readonly g: number;
  /** Projected gradient per direction (stream 0 .. n−1). */
  readonly gs: Float64Array;
  /** L(θ+εz) per direction. */
  readonly lossPlus: Float64Array;
  /** L(θ−εz) per direction (two-point), or L(θ) repeated (one-sided). */
  readonly lossMinus: Float64Array;
  /** Objective evaluations this estimate cost. */
  readonly forwardPasses: number;
}

/** Resolved estimate options with defaults applied and validated. */
export interface ResolvedEstimateOptions {
  readonly eps: number;
  readonly directions: number;
  readonly distribution: DirectionDistribution;
  readonly scheme: EstimateScheme;
}

export function resolveEstimateOptions(options: EstimateOptions = {}): ResolvedEstimateOptions {
  const { eps = 1e-3, directions = 1, distribution = 'gaussian', scheme = 'two-point' } = options;
  checkPositiveFinite('eps', eps);
  checkDirectionCount(directions);
  checkDistribution(distribution);
  if (scheme !== 'two-point' && scheme !== 'one-sided') {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `scheme must be 'two-point' or 'one-sided', got ${String(scheme)}`,
    );
  }
  return { eps, directions, distribution, scheme };
}

function checkLoss(value: number, what: string, seed: bigint, forwardPasses: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ZoError(
      'ZO_NON_FINITE_LOSS',
      `objective returned ${String(value)} for ${what} (seed ${seed}); θ was restored. ` +
        'Lower the learning rate or ε, or check the model for overflow.',
      forwardPasses,
    );
  }
  return value;
}

/**
 * Estimates the projected gradient along z(seed) by perturbing θ in place in MeZO's order
 * (+εz, evaluate, −2εz, evaluate, restore). θ is restored by writing back its saved float32
 * values, so it is bit-identical afterwards, also when the objective throws or returns a
 * non-finite loss (raised as `ZO_NON_FINITE_LOSS`).
 *
 * `saved` and `z` are caller-owned scratch buffers of θ's length, so repeated calls allocate
 * nothing k-sized.
 */
export async function estimateProjectedGradient(
  theta: Float32Array,
  objective: Objective,
  seed: bigint,
  options: ResolvedEstimateOptions,
  saved: Float32Array = new Float32Array(theta.length),
  z: Float32Array = new Float32Array(theta.length),
): Promise<Estimate> {
  const { eps, directions, distribution, scheme } = options;
  const n = theta.length;
  if (saved.length !== n || z.length !== n) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'scratch buffers must have the length of theta');
  }
  saved.set(theta);
  const lossPlus = new Float64Array(directions);
  const lossMinus = new Float64Array(directions);
  let forwardPasses = 0;
  const gs = new Float64Array(directions);
  try {
    let base = 0;
    if (scheme === 'one-sided') {
      const value = await objective(theta);
      base = checkLoss(value, 'L(θ)', seed, ++forwardPasses);
    }
    for (let stream = 0; stream < directions; stream++) {
      fillDirection(seed, z, { stream, distribution });
      for (let i = 0; i < n; i++) theta[i] = theta[i]! + eps * z[i]!;
      const plusValue = await objective(theta);
      const plus = checkLoss(plusValue, `L(θ+εz), stream ${stream}`, seed, ++forwardPasses);
      let minus = base;
      if (scheme === 'two-point') {
        const twoEps = 2 * eps;
        for (let i = 0; i < n; i++) theta[i] = theta[i]! - twoEps * z[i]!;
        const minusValue = await objective(theta);
        minus = checkLoss(minusValue, `L(θ−εz), stream ${stream}`, seed, ++forwardPasses);
      }
      theta.set(saved);
      lossPlus[stream] = plus;
      lossMinus[stream] = minus;
      gs[stream] = scheme === 'two-point' ? (plus - minus) / (2 * eps) : (plus - minus) / eps;
    }
  } finally {
    theta.set(saved);
  }
  let sum = 0;
  for (const g of gs) sum += g;
  return { g: sum / directions, gs, lossPlus, lossMinus, forwardPasses };
}
