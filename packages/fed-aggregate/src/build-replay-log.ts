import { type DirectionDistribution, deriveSeed } from '@meerkat/zo-estimator';
import type { ClientUpdate } from './client-update.js';
import { FedAggregateError } from './errors.js';
import type { ReplayLog } from './replay-log.js';

/** What the server needs to turn accepted updates into a replay log. */
export interface AggregationOptions {
  readonly runSeed: bigint;
  readonly round: number;
  readonly lr: number;
  /** Directions per step. Default 1. */
  readonly directions?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
  /**
   * Must be 0 (the default). Aggregation with decoupled weight decay is rejected with
   * `FED_UNSUPPORTED`: the decayed path θ_T = aᵀθ_0 − η Σ_t a^{T−1−t} g_t z_t (a = 1 − ηλ)
   * is not a sum of `(seed, g, p)` terms, so it would need a different log format.
   */
  readonly weightDecay?: number;
}

/** Orders client ids by UTF-16 code units — locale-independent, identical on every machine. */
export function compareClientIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds round r's replay log from the accepted updates: client c's step t contributes the entry
 * `(deriveSeed(runSeed, r, c, t), g_{c,t}, p_c)` (with d directions, g_{c,t} is the d values
 * g[t·d .. t·d + d − 1] of the upload) with p_c = n_c / Σ n, ordered by clientId then t.
 * With no updates the log is empty (applying it leaves θ unchanged).
 */
export function buildReplayLog(
  updates: readonly ClientUpdate[],
  options: AggregationOptions,
): ReplayLog {
  const {
    runSeed,
    round,
    lr,
    directions = 1,
    distribution = 'gaussian',
    weightDecay = 0,
  } = options;
  if (weightDecay !== 0) {
    throw new FedAggregateError(
      'FED_UNSUPPORTED',
      `weightDecay ${weightDecay} is not supported in aggregation: the decayed virtual path is not a (seed, g, p) sum. Train clients with weightDecay 0.`,
    );
  }
  if (!(Number.isFinite(lr) && lr > 0)) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', `lr must be finite and > 0, got ${lr}`);
  }
  const sorted = [...updates].sort((a, b) => compareClientIds(a.clientId, b.clientId));
  let totalSamples = 0;
  let entries = 0;
  for (let i = 0; i < sorted.length; i++) {
    const u = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.clientId === u.clientId) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `client ${u.clientId} appears twice; pass one update per client`,
      );
    }
    if (u.round !== round) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `update of client ${u.clientId} is for round ${u.round}, not round ${round}`,
      );
    }
    if (!(Number.isSafeInteger(u.numSamples) && u.numSamples > 0)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `numSamples of client ${u.clientId} must be a positive integer, got ${u.numSamples}`,
      );
    }
    for (let t = 0; t < u.g.length; t++) {
      if (!Number.isFinite(u.g[t]!)) {
        throw new FedAggregateError(
          'FED_INVALID_ARGUMENT',
          `g[${t}] of client ${u.clientId} is not finite (${u.g[t]})`,
        );
      }
    }
    if (u.g.length % directions !== 0) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `client ${u.clientId} uploaded ${u.g.length} g values, not a multiple of ${directions} directions`,
      );
    }
    totalSamples += u.numSamples;
    entries += u.g.length / directions;
  }
  const seeds = new BigUint64Array(entries);
  const g = new Float64Array(entries * directions);
  const p = new Float64Array(entries);
  let i = 0;
  let j = 0;
  for (const u of sorted) {
    const weight = u.numSamples / totalSamples;
    for (let t = 0; t < u.g.length / directions; t++, i++) {
      seeds[i] = deriveSeed(runSeed, round, u.clientId, t);
      p[i] = weight;
    }
    for (let v = 0; v < u.g.length; v++, j++) g[j] = u.g[v]!;
  }
  return { round, lr, directions, distribution, seeds, g, p };
}
