import { FedAggregateError } from './errors.js';
import { applyReplayLog, checkReplayLog, type ReplayLog } from './replay-log.js';

/** How a client holding θ^{clientRound} reaches θ^{serverRound}. */
export type CatchUpPlan =
  | {
      readonly kind: 'replay';
      /** Rounds whose logs to apply, in order (empty when already up to date). */
      readonly rounds: readonly number[];
    }
  | {
      readonly kind: 'checkpoint';
      readonly reason: 'gap-too-large' | 'logs-not-retained';
    };

function checkRound(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `${name} must be a non-negative integer, got ${value}`,
    );
  }
}

/**
 * Plans a catch-up. The log of round r moves θ^r to θ^{r+1}, so a client at `clientRound` needs
 * the logs of rounds clientRound .. serverRound − 1. It must fetch a checkpoint instead when that
 * is more than `maxGap` logs, or when any of them is not in `retainedLogRounds`.
 */
export function planCatchUp(
  clientRound: number,
  serverRound: number,
  retainedLogRounds: Iterable<number>,
  maxGap: number,
): CatchUpPlan {
  checkRound('clientRound', clientRound);
  checkRound('serverRound', serverRound);
  checkRound('maxGap', maxGap);
  if (clientRound > serverRound) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `client is at round ${clientRound}, ahead of the server's round ${serverRound}; it must resync from a checkpoint`,
    );
  }
  if (serverRound - clientRound > maxGap) return { kind: 'checkpoint', reason: 'gap-too-large' };
  const retained = new Set(retainedLogRounds);
  const rounds: number[] = [];
  for (let r = clientRound; r < serverRound; r++) {
    if (!retained.has(r)) return { kind: 'checkpoint', reason: 'logs-not-retained' };
    rounds.push(r);
  }
  return { kind: 'replay', rounds };
}

/**
 * Brings θ^{clientRound} to θ^{clientRound + logs.length} in place by applying the logs in order.
 * Every log is checked before θ is touched: each must pass `checkReplayLog`
 * (`FED_INVALID_ARGUMENT`) and they must be for consecutive rounds starting at `clientRound`
 * (`FED_CATCH_UP_GAP`); on either error θ is left bit-identical. Returns the round θ is now at.
 * Bit-identical to the server's θ.
 */
export function catchUp(
  theta: Float32Array,
  clientRound: number,
  logs: readonly ReplayLog[],
): number {
  checkRound('clientRound', clientRound);
  if (!(theta instanceof Float32Array)) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'theta must be a Float32Array');
  }
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    checkReplayLog(log);
    if (log.round !== clientRound + i) {
      throw new FedAggregateError(
        'FED_CATCH_UP_GAP',
        `log ${i} is for round ${log.round} but round ${clientRound + i} is needed next; pass the logs of rounds ${clientRound}.. in order, or load a checkpoint`,
      );
    }
  }
  // The scratch is sized from θ here, so applyReplayLog's scratch-length check cannot fail midway.
  const scratch = new Float32Array(theta.length);
  for (const log of logs) applyReplayLog(theta, log, scratch);
  return clientRound + logs.length;
}
