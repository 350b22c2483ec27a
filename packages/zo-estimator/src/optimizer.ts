import { DEFAULT_DIRECTION_POOL_THRESHOLD, type DirectionPool } from './direction-pool.js';
import { fillDirection } from './directions.js';
import { ZoError } from './errors.js';
import {
  type DirectionFill,
  type Estimate,
  type EstimateOptions,
  evaluateDirections,
  type Objective,
  type ResolvedEstimateOptions,
  resolveEstimateOptions,
} from './estimator.js';
import { applyStepFromSaved, applyStepFromSavedAsync } from './fused-update.js';
import type { StepRecord } from './step-record.js';
import { checkUpdateOptions, type UpdateOptions } from './update.js';

/** Entries per pool call when a pool regenerates directions 0 .. n − 2 for the update (n > 1). */
const POOL_UPDATE_CHUNK_ENTRIES = 1 << 20;

function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** What to do when a step's loss or g is not finite. */
export type NonFinitePolicy = 'throw' | 'skip';

export interface ZoOptimizerOptions
  extends EstimateOptions,
    Omit<UpdateOptions, 'directions' | 'distribution'> {
  /** Clip each direction's g to [−clip, clip] before the update (the clipped values are recorded). */
  readonly clip?: number;
  /** Default `'throw'`: a typed `ZoError`. `'skip'`: θ is left unchanged and the skip counted. */
  readonly onNonFinite?: NonFinitePolicy;
  /**
   * Fills each direction across threads (`createDirectionPool` from
   * `@meerkat/zo-estimator/node`), for large θ (full-parameter ZO). Used only when θ has at
   * least `directionPoolThreshold` entries; the records and θ are bit-identical either way. The
   * optimizer never closes the pool: its creator does, after the last step.
   */
  readonly directionPool?: DirectionPool;
  /** θ length from which `directionPool` is used. Default `DEFAULT_DIRECTION_POOL_THRESHOLD`. */
  readonly directionPoolThreshold?: number;
  /**
   * Default `'float64'` (g as estimated). `'float32'`: each direction's g is rounded to float32
   * (after clipping) and that rounded value is both applied and recorded, so replaying the
   * records, or their float32 wire copies, gives the live θ bit for bit. A g that rounds to ±∞
   * is non-finite (`onNonFinite`). Use it when the scalars travel as float32 (protocol v2).
   */
  readonly scalars?: 'float64' | 'float32';
}

/** The outcome of one optimiser step. */
export interface ZoStepResult {
  /** The replayable record; `undefined` when the step was skipped. */
  readonly record: StepRecord | undefined;
  readonly skipped: boolean;
  /** Mean of the losses evaluated in this step (NaN if skipped before any finite loss). */
  readonly loss: number;
  /** g before clipping (and before rounding to float32 with `scalars: 'float32'`). */
  readonly rawG: number;
  readonly forwardPasses: number;
}

/**
 * ZO-SGD over a `Float32Array` of trainable values, updated in place:
 * estimate g along z(seed), then θ ← (1 − ηλ)θ − η·g·z. Every accepted step yields a
 * `(seed, g)` record that `replay` turns back into exactly the same θ.
 *
 * A step makes three passes over θ and generates each direction once: save + (+εz), −2εz, and
 * the update written from the saved values with the direction still in scratch (restore and
 * update fused, `applyStepFromSaved`). With n > 1 directions the update regenerates streams
 * 0 .. n − 2 once more, chunk by chunk inside its single pass.
 */
export class ZoOptimizer {
  readonly theta: Float32Array;
  private readonly estimate: ResolvedEstimateOptions;
  private readonly update: UpdateOptions;
  private readonly clip: number;
  private readonly onNonFinite: NonFinitePolicy;
  private readonly roundScalar: (g: number) => number;
  private readonly saved: Float32Array;
  private readonly z: Float32Array;
  private readonly pool: DirectionPool | undefined;
  private readonly fill: DirectionFill;
  private poolScratch: Float32Array | undefined;
  private stepsTaken = 0;
  private stepsSkipped = 0;
  private passes = 0;

  constructor(theta: Float32Array, options: ZoOptimizerOptions) {
    this.theta = theta;
    this.estimate = resolveEstimateOptions(options);
    this.update = {
      lr: options.lr,
      weightDecay: options.weightDecay ?? 0,
      directions: this.estimate.directions,
      distribution: this.estimate.distribution,
    };
    checkUpdateOptions(this.update);
    this.clip = options.clip ?? Number.POSITIVE_INFINITY;
    if (!(this.clip > 0)) {
      throw new ZoError('ZO_INVALID_ARGUMENT', `clip must be > 0, got ${options.clip}`);
    }
    this.onNonFinite = options.onNonFinite ?? 'throw';
    if (this.onNonFinite !== 'throw' && this.onNonFinite !== 'skip') {
      throw new ZoError('ZO_INVALID_ARGUMENT', `onNonFinite must be 'throw' or 'skip'`);
    }
    const scalars = options.scalars ?? 'float64';
    if (scalars !== 'float64' && scalars !== 'float32') {
      throw new ZoError(
        'ZO_INVALID_ARGUMENT',
        `scalars must be 'float64' or 'float32', got ${JSON.stringify(scalars)}`,
      );
    }
    this.roundScalar = scalars === 'float32' ? Math.fround : (g) => g;
    const threshold = options.directionPoolThreshold ?? DEFAULT_DIRECTION_POOL_THRESHOLD;
    if (!(Number.isInteger(threshold) && threshold >= 0)) {
      throw new ZoError(
        'ZO_INVALID_ARGUMENT',
        `directionPoolThreshold must be an integer >= 0, got ${threshold}`,
      );
    }
    const pool = options.directionPool;
    this.pool = pool !== undefined && theta.length >= threshold ? pool : undefined;
    this.saved = new Float32Array(theta.length);
    if (this.pool === undefined) {
      this.z = new Float32Array(theta.length);
      this.fill = fillDirection;
    } else {
      const active = this.pool;
      this.z = active.allocate(theta.length);
      this.fill = (seed, out, fillOptions) => active.fill(seed, out, fillOptions);
    }
  }

  /** Whether steps hand direction generation to the `directionPool` (θ at or above the threshold). */
  get usesDirectionPool(): boolean {
    return this.pool !== undefined;
  }

  /** The update options a replay of this optimiser's records must use. */
  get updateOptions(): UpdateOptions {
    return this.update;
  }

  /** Accepted steps so far. */
  get steps(): number {
    return this.stepsTaken;
  }

  /** Steps skipped because of a non-finite loss or g (only with `onNonFinite: 'skip'`). */
  get skipped(): number {
    return this.stepsSkipped;
  }

  /** Objective evaluations so far. */
  get forwardPasses(): number {
    return this.passes;
  }

  /**
   * One ZO-SGD step along the direction(s) of `seed`. If the objective throws or the step is
   * refused (non-finite loss or g, a pool that was closed), θ is bit-identical to before.
   */
  async step(objective: Objective, seed: bigint): Promise<ZoStepResult> {
    const { theta, saved, z } = this;
    let estimate: Estimate;
    try {
      estimate = await evaluateDirections(
        theta,
        objective,
        seed,
        this.estimate,
        saved,
        z,
        this.fill,
      );
    } catch (error) {
      // evaluateDirections has restored θ.
      if (error instanceof ZoError && error.code === 'ZO_NON_FINITE_LOSS') {
        this.passes += error.forwardPasses;
        return this.skipOrThrow(error, Number.NaN, error.forwardPasses);
      }
      throw error;
    }
    // θ is still perturbed: from here every exit either writes the update or restores θ.
    let written = false;
    try {
      this.passes += estimate.forwardPasses;
      let lossSum = 0;
      for (let i = 0; i < estimate.lossPlus.length; i++) {
        lossSum += estimate.lossPlus[i]! + estimate.lossMinus[i]!;
      }
      const loss = lossSum / (2 * estimate.lossPlus.length);
      if (!Number.isFinite(estimate.g)) {
        const error = new ZoError(
          'ZO_NON_FINITE_GRADIENT',
          `projected gradient is ${estimate.g} for seed ${seed}; θ was left unchanged. Lower ε or the learning rate.`,
        );
        theta.set(saved);
        written = true;
        return this.skipOrThrow(error, loss, estimate.forwardPasses);
      }
      // Clipping (then, with float32 scalars, rounding) applies to each direction's scalar; g is
      // the mean of the resulting scalars, and they are what the update applies.
      const clip = (value: number) => Math.max(-this.clip, Math.min(this.clip, value));
      const round = this.roundScalar;
      const gs = Array.from(estimate.gs, (value) => round(clip(value)));
      if (!gs.every(Number.isFinite)) {
        const error = new ZoError(
          'ZO_NON_FINITE_GRADIENT',
          `projected gradient ${estimate.g} for seed ${seed} is not finite as a float32 scalar; θ was left unchanged. Lower ε or the learning rate, or set clip.`,
        );
        theta.set(saved);
        written = true;
        return this.skipOrThrow(error, loss, estimate.forwardPasses);
      }
      const record: StepRecord =
        gs.length === 1 ? { seed, g: gs[0]! } : { seed, g: meanOf(gs), gs };
      if (this.pool === undefined || gs.length === 1) {
        applyStepFromSaved(theta, saved, z, record, this.update);
      } else {
        const pool = this.pool;
        this.poolScratch ??= pool.allocate(Math.min(POOL_UPDATE_CHUNK_ENTRIES, theta.length));
        await applyStepFromSavedAsync(
          theta,
          saved,
          z,
          record,
          this.update,
          (s, out, from, fillOptions) => pool.fillRange(s, out, from, fillOptions),
          this.poolScratch,
        );
      }
      written = true;
      this.stepsTaken++;
      return {
        record,
        skipped: false,
        loss,
        rawG: estimate.g,
        forwardPasses: estimate.forwardPasses,
      };
    } finally {
      if (!written) theta.set(saved);
    }
  }

  private skipOrThrow(error: ZoError, loss: number, forwardPasses = 0): ZoStepResult {
    if (this.onNonFinite === 'throw') throw error;
    this.stepsSkipped++;
    return { record: undefined, skipped: true, loss, rawG: Number.NaN, forwardPasses };
  }
}
