import { ZoError } from './errors.js';
import {
  type EstimateOptions,
  estimateProjectedGradient,
  type Objective,
  type ResolvedEstimateOptions,
  resolveEstimateOptions,
} from './estimator.js';
import type { StepRecord } from './step-record.js';
import { applyStep, checkUpdateOptions, type UpdateOptions } from './update.js';

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
}

/** The outcome of one optimiser step. */
export interface ZoStepResult {
  /** The replayable record; `undefined` when the step was skipped. */
  readonly record: StepRecord | undefined;
  readonly skipped: boolean;
  /** Mean of the losses evaluated in this step (NaN if skipped before any finite loss). */
  readonly loss: number;
  /** g before clipping. */
  readonly rawG: number;
  readonly forwardPasses: number;
}

/**
 * ZO-SGD over a `Float32Array` of trainable values, updated in place:
 * estimate g along z(seed), then θ ← (1 − ηλ)θ − η·g·z. Every accepted step yields a
 * `(seed, g)` record that `replay` turns back into exactly the same θ.
 */
export class ZoOptimizer {
  readonly theta: Float32Array;
  private readonly estimate: ResolvedEstimateOptions;
  private readonly update: UpdateOptions;
  private readonly clip: number;
  private readonly onNonFinite: NonFinitePolicy;
  private readonly saved: Float32Array;
  private readonly z: Float32Array;
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
    this.saved = new Float32Array(theta.length);
    this.z = new Float32Array(theta.length);
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

  /** One ZO-SGD step along the direction(s) of `seed`. */
  async step(objective: Objective, seed: bigint): Promise<ZoStepResult> {
    let estimate: Awaited<ReturnType<typeof estimateProjectedGradient>>;
    try {
      estimate = await estimateProjectedGradient(
        this.theta,
        objective,
        seed,
        this.estimate,
        this.saved,
        this.z,
      );
    } catch (error) {
      if (error instanceof ZoError && error.code === 'ZO_NON_FINITE_LOSS') {
        this.passes += error.forwardPasses;
        return this.skipOrThrow(error, Number.NaN, error.forwardPasses);
      }
      throw error;
    }
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
      return this.skipOrThrow(error, loss, estimate.forwardPasses);
    }
    // Clipping applies to each direction's scalar; g is the mean of the clipped scalars.
    const clip = (value: number) => Math.max(-this.clip, Math.min(this.clip, value));
    const gs = Array.from(estimate.gs, clip);
    const record: StepRecord = gs.length === 1 ? { seed, g: gs[0]! } : { seed, g: meanOf(gs), gs };
    applyStep(this.theta, record, this.update, this.z);
    this.stepsTaken++;
    return {
      record,
      skipped: false,
      loss,
      rawG: estimate.g,
      forwardPasses: estimate.forwardPasses,
    };
  }

  private skipOrThrow(error: ZoError, loss: number, forwardPasses = 0): ZoStepResult {
    if (this.onNonFinite === 'throw') throw error;
    this.stepsSkipped++;
    return { record: undefined, skipped: true, loss, rawG: Number.NaN, forwardPasses };
  }
}
