import { catchUp as applyLogs, decodeReplayLog } from '@meerkat/fed-aggregate';
import type { TrainableView } from '@meerkat/lm';
import { MeerkatError } from '../errors.js';
import type { CatchUp } from '../protocol/messages.js';

/**
 * A client-side copy of the trainable values: θ at a known round, kept in step with the
 * coordinator by the downlink (replay logs, or θ itself), plus the model's trainable view to
 * evaluate any θ. In the simulation every client shares one replica (one model in memory): a
 * catch-up to a round the replica already holds is a no-op.
 */
export class ModelReplica {
  private thetaValue: Float32Array;
  private roundValue = 0;

  private constructor(
    readonly view: TrainableView,
    theta0: Float32Array,
  ) {
    this.thetaValue = theta0;
  }

  /** A replica at round 0 holding the model's own values at the view's indices (θ⁰). */
  static create(view: TrainableView): ModelReplica {
    return new ModelReplica(view, view.read());
  }

  get round(): number {
    return this.roundValue;
  }

  get k(): number {
    return this.thetaValue.length;
  }

  /** A copy of θ at `round`. */
  theta(): Float32Array {
    return this.thetaValue.slice();
  }

  /** Brings θ to `update.round`: logs are applied in order (bit-identical to the coordinator). */
  catchUp(update: CatchUp): void {
    if (update.round === this.roundValue && update.kind !== 'theta') return;
    if (update.kind === 'theta') {
      if (update.theta.length !== this.k) {
        throw new MeerkatError(
          'MEERKAT_PROTOCOL',
          `catch-up θ has ${update.theta.length} values, the mask has ${this.k}`,
        );
      }
      this.thetaValue = update.theta.slice();
      this.roundValue = update.round;
      return;
    }
    if (update.kind === 'none' || update.round < this.roundValue) {
      // A shared replica that another client already advanced further.
      if (update.round <= this.roundValue) return;
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `no downlink to go from round ${this.roundValue} to ${update.round}`,
      );
    }
    const logs = update.logs
      .map((bytes) => decodeReplayLog(bytes))
      .filter((log) => log.round >= this.roundValue);
    const reached = applyLogs(this.thetaValue, this.roundValue, logs);
    if (reached !== update.round) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `the downlink logs reach round ${reached}, the announce says ${update.round}`,
      );
    }
    this.roundValue = reached;
  }

  /** Writes `values` into the model (the next forward pass sees them). */
  write(values: Float32Array): void {
    this.view.write(values);
  }
}
