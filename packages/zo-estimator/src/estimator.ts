import { checkDirectionCount, checkDistribution, checkPositiveFinite } from './checks.js';
import { type DirectionDistribution, type DirectionOptions, fillDirection } from './directions.js';
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

/** Fills `out` with z(seed, stream): `fillDirection`, or a `DirectionPool`'s `fill`. */
export type DirectionFill = (
  seed: bigint,
  out: Float32Array,
  options: DirectionOptions,
) => Float32Array | Promise<Float32Array>;

/**
 * The evaluations of an estimate without the final restore: MeZO's in-place order
 * (+εz, evaluate, −2εz, evaluate) per direction, where each direction's +εz pass writes
 * θ = saved + εz straight from the saved values (the restore of the previous direction fused into
 * it; the first one also fills `saved`). On return θ is still perturbed — θ₀ − εz for two-point,
 * θ₀ + εz for one-sided — `saved` holds θ₀ and `z` the last direction (stream n − 1), ready for
 * `applyStepFromSaved`; the caller must write θ (update or `theta.set(saved)`). If the objective
 * throws, returns a non-finite loss or `fill` rejects, θ is restored bit for bit before the
 * error propagates.
 */
export async function evaluateDirections(
  theta: Float32Array,
  objective: Objective,
  seed: bigint,
  options: ResolvedEstimateOptions,
  saved: Float32Array,
  z: Float32Array,
  fill: DirectionFill = fillDirection,
): Promise<Estimate> {
  const { eps, directions, distribution, scheme } = options;
  const n = theta.length;
  if (saved.length !== n || z.length !== n) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'scratch buffers must have the length of theta');
  }
  if (saved === theta || z === theta || saved === z) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'theta, saved and z must be distinct buffers');
  }
  const lossPlus = new Float64Array(directions);
  const lossMinus = new Float64Array(directions);
  let forwardPasses = 0;
  const gs = new Float64Array(directions);
  let isSaved = false;
  try {
    let base = 0;
    if (scheme === 'one-sided') {
      saved.set(theta);
      isSaved = true;
      const value = await objective(theta);
      base = checkLoss(value, 'L(θ)', seed, ++forwardPasses);
    }
    for (let stream = 0; stream < directions; stream++) {
      await fill(seed, z, { stream, distribution });
      if (isSaved) {
        for (let i = 0; i < n; i++) theta[i] = saved[i]! + eps * z[i]!;
      } else {
        for (let i = 0; i < n; i++) {
          const value = theta[i]!;
          saved[i] = value;
          theta[i] = value + eps * z[i]!;
        }
        isSaved = true;
      }
      const plusValue = await objective(theta);
      const plus = checkLoss(plusValue, `L(θ+εz), stream ${stream}`, seed, ++forwardPasses);
      let minus = base;
      if (scheme === 'two-point') {
        const twoEps = 2 * eps;
        for (let i = 0; i < n; i++) theta[i] = theta[i]! - twoEps * z[i]!;
        const minusValue = await objective(theta);
        minus = checkLoss(minusValue, `L(θ−εz), stream ${stream}`, seed, ++forwardPasses);
      }
      lossPlus[stream] = plus;
      lossMinus[stream] = minus;
      gs[stream] = scheme === 'two-point' ? (plus - minus) / (2 * eps) : (plus - minus) / eps;
    }
  } catch (error) {
    if (isSaved) theta.set(saved);
    throw error;
  }
  let sum = 0;
  for (const g of gs) sum += g;
  return { g: sum / directions, gs, lossPlus, lossMinus, forwardPasses };
}

/**
 * Estimates the projected gradient along z(seed) by perturbing θ in place in MeZO's order
 * (+εz, evaluate, −2εz, evaluate, restore). θ is restored by writing back its saved float32
 * values, so it is bit-identical afterwards, also when the objective throws or returns a
 * non-finite loss (raised as `ZO_NON_FINITE_LOSS`).
 *
 * `saved` and `z` are caller-owned scratch buffers of θ's length, so repeated calls allocate
 * nothing k-sized. Afterwards `saved` holds θ and `z` the last direction (stream n − 1).
 */
export async function estimateProjectedGradient(
  theta: Float32Array,
  objective: Objective,
  seed: bigint,
  options: ResolvedEstimateOptions,
  saved: Float32Array = new Float32Array(theta.length),
  z: Float32Array = new Float32Array(theta.length),
): Promise<Estimate> {
  const estimate = await evaluateDirections(theta, objective, seed, options, saved, z);
  theta.set(saved);
  return estimate;
}
