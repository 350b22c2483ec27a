import { MeerkatError } from '../errors.js';

/** What the guard needs to know about the run to explain a divergence. */
export interface DivergenceContext {
  readonly method: string;
  readonly lr: number;
  /** Trainable values. */
  readonly k: number;
  /** A loss above `factor` × the starting loss counts as divergence. */
  readonly factor: number;
}

/** One closed round, as the guard sees it. */
export interface RoundLosses {
  readonly round: number;
  /**
   * Each update's loss statistics: the mean over its steps, and its first step's loss where the
   * update carries it (protocol v2 updates carry it in round 1 only: the guard's reference).
   */
  readonly updates: readonly { readonly mean: number; readonly first?: number }[];
  /** Steps skipped for a non-finite loss, and steps asked for, over the round's updates. */
  readonly skippedSteps: number;
  readonly steps: number;
  /** The held-out loss after the round, when it was evaluated. */
  readonly evaluationLoss: number | null;
}

/**
 * Stops a run whose loss explodes, with an error that names the learning rate and what to try,
 * instead of training on silently. The reference is the loss at the start: the initial evaluation
 * when there was one, and the mean loss of the first local step of the first round's updates (the
 * starting θ on training batches: a client sends its first step's loss in round 1, the rest of
 * the run only the mean). Not the first round's mean over all its steps: with Non-IID data a
 * client's loss falls fast within its local steps, and a reference that low makes a later round
 * of other clients look like divergence. A round diverges when its mean training loss or its held-out
 * loss is non-finite or above `factor` × that reference, or when more than half its steps were
 * skipped for a non-finite loss.
 */
export class DivergenceGuard {
  private startTrain: number | null = null;
  private startEvaluation: number | null = null;

  constructor(private readonly context: DivergenceContext) {}

  /** The held-out loss of the starting θ (round 0), when it is evaluated. */
  startingEvaluation(loss: number): void {
    if (Number.isFinite(loss) && this.startEvaluation === null) this.startEvaluation = loss;
  }

  /** Restores the references of a resumed run. */
  restore(references: { train: number | null; evaluation: number | null }): void {
    this.startTrain = references.train;
    this.startEvaluation = references.evaluation;
  }

  /** The references, for checkpoints. */
  references(): { train: number | null; evaluation: number | null } {
    return { train: this.startTrain, evaluation: this.startEvaluation };
  }

  /** Throws `MEERKAT_DIVERGED` when the round diverged. */
  check(r: RoundLosses): void {
    const firsts = r.updates
      .map((u) => u.first)
      .filter((x): x is number => x !== undefined && Number.isFinite(x));
    if (this.startTrain === null && firsts.length > 0) this.startTrain = mean(firsts);
    const trainLoss = r.updates.length === 0 ? null : mean(r.updates.map((u) => u.mean));
    const { factor } = this.context;
    if (r.steps > 0 && r.skippedSteps > r.steps / 2) {
      this.fail(
        r.round,
        `${r.skippedSteps} of ${r.steps} local steps had a non-finite loss and were skipped`,
      );
    }
    if (trainLoss !== null) {
      if (!Number.isFinite(trainLoss)) this.fail(r.round, `the mean training loss is ${trainLoss}`);
      if (this.startTrain !== null && trainLoss > factor * this.startTrain) {
        this.fail(
          r.round,
          `the mean training loss ${trainLoss.toPrecision(4)} is ${(trainLoss / this.startTrain).toFixed(1)}× the starting loss ${this.startTrain.toPrecision(4)}`,
        );
      }
    }
    const e = r.evaluationLoss;
    if (e !== null) {
      if (!Number.isFinite(e)) this.fail(r.round, `the held-out loss is ${e}`);
      if (this.startEvaluation !== null && e > factor * this.startEvaluation) {
        this.fail(
          r.round,
          `the held-out loss ${e.toPrecision(4)} is ${(e / this.startEvaluation).toFixed(1)}× the starting loss ${this.startEvaluation.toPrecision(4)}`,
        );
      }
    }
  }

  private fail(round: number, what: string): never {
    const { method, lr, k, factor } = this.context;
    throw new MeerkatError(
      'MEERKAT_DIVERGED',
      `training diverged in round ${round}: ${what} (method ${method}, lr ${lr}, k = ${k} trainable values). Lower the learning rate (try lr ${(lr / 10).toPrecision(2)}; with no lr set, the default is min(lrMax, lrBudget / k) per method), or raise divergence.factor (now ${factor}) if this loss is expected. The run directory keeps every round before this one; its checkpoint is the last good round.`,
    );
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
