import type { DirectionDistribution } from '@meerkat/zo-estimator';
import type { Participation } from './client-sampling.js';
import { participantCount } from './client-sampling.js';
import { FedAggregateError } from './errors.js';

/** Configuration of a federated run (what `FederatedServer` needs; all of it is checkpointed). */
export interface FederatedServerConfig {
  /** Seed of the whole run: client sampling and every step seed derive from it. */
  readonly runSeed: bigint;
  /** Client learning rate η (the virtual path uses the same η). */
  readonly lr: number;
  /** Directions per local step. Default 1. */
  readonly directions?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
  /** Default `{ fraction: 1 }`. */
  readonly participation?: Participation;
  /** Local steps per client per round unless overridden per client. Default 1. */
  readonly localSteps?: number;
  /** Largest |g| accepted. Default `Infinity` (finite g only). */
  readonly gMax?: number;
  /** A round accepts updates until `openedAt + roundDurationMs`. Default `Infinity`. */
  readonly roundDurationMs?: number;
  /** Replay logs kept for catch-up. Default 32. */
  readonly retainLogs?: number;
  /** Clients further behind than this fetch a checkpoint. Default `retainLogs`. */
  readonly maxLogGap?: number;
  /**
   * Quorum: a round with fewer accepted updates leaves θ unchanged (its log is empty, the round
   * still advances). Default 1.
   */
  readonly minUpdates?: number;
}

/** `FederatedServerConfig` with every default filled in. */
export interface ResolvedServerConfig {
  readonly runSeed: bigint;
  readonly lr: number;
  readonly directions: number;
  readonly distribution: DirectionDistribution;
  readonly participation: Participation;
  readonly localSteps: number;
  readonly gMax: number;
  readonly roundDurationMs: number;
  readonly retainLogs: number;
  readonly maxLogGap: number;
  readonly minUpdates: number;
}

function invalid(message: string): never {
  throw new FedAggregateError('FED_INVALID_ARGUMENT', `server config: ${message}`);
}

function checkInteger(name: string, value: number, min: number, max = 0xffffffff): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    invalid(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** Fills defaults and validates; throws `FED_INVALID_ARGUMENT` or `FED_UNSUPPORTED`. */
export function resolveServerConfig(config: FederatedServerConfig): ResolvedServerConfig {
  if (typeof config.runSeed !== 'bigint' || config.runSeed < 0n || config.runSeed >= 1n << 64n) {
    invalid(`runSeed must be a bigint in [0, 2^64), got ${String(config.runSeed)}`);
  }
  if ('weightDecay' in config) {
    throw new FedAggregateError(
      'FED_UNSUPPORTED',
      'weightDecay is not supported by virtual-path aggregation; remove it from the server config',
    );
  }
  if (!(Number.isFinite(config.lr) && config.lr > 0)) invalid(`lr must be finite and > 0`);
  const retainLogs = config.retainLogs ?? 32;
  const resolved: ResolvedServerConfig = {
    runSeed: config.runSeed,
    lr: config.lr,
    directions: config.directions ?? 1,
    distribution: config.distribution ?? 'gaussian',
    participation: config.participation ?? { fraction: 1 },
    localSteps: config.localSteps ?? 1,
    gMax: config.gMax ?? Number.POSITIVE_INFINITY,
    roundDurationMs: config.roundDurationMs ?? Number.POSITIVE_INFINITY,
    retainLogs,
    maxLogGap: config.maxLogGap ?? retainLogs,
    minUpdates: config.minUpdates ?? 1,
  };
  checkInteger('directions', resolved.directions, 1);
  if (resolved.distribution !== 'gaussian' && resolved.distribution !== 'rademacher') {
    invalid(`distribution must be 'gaussian' or 'rademacher'`);
  }
  participantCount(1, resolved.participation);
  checkInteger('localSteps', resolved.localSteps, 1);
  if (!(resolved.gMax > 0)) invalid(`gMax must be > 0, got ${resolved.gMax}`);
  if (!(resolved.roundDurationMs > 0)) {
    invalid(`roundDurationMs must be > 0, got ${resolved.roundDurationMs}`);
  }
  checkInteger('retainLogs', resolved.retainLogs, 0);
  checkInteger('maxLogGap', resolved.maxLogGap, 0);
  checkInteger('minUpdates', resolved.minUpdates, 0);
  return resolved;
}
