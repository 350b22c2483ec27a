import { addScaledDirections, type DirectionDistribution } from '@meerkat/zo-estimator';
import { FedAggregateError } from './errors.js';

/**
 * The dimension-free record of one aggregation: applying it to θ^r gives θ^{r+1}.
 * Entry i is `(seeds[i], g[i], p[i])`; entries are ordered by clientId (UTF-16 code-unit order),
 * then by local step t ascending. Columnar typed arrays keep the hot loop allocation-free.
 */
export interface ReplayLog {
  /** The round r this log moves from θ^r to θ^{r+1}. */
  readonly round: number;
  /** Learning rate η the clients used. */
  readonly lr: number;
  /** Directions per step (streams 0 .. directions − 1, averaged). */
  readonly directions: number;
  readonly distribution: DirectionDistribution;
  readonly seeds: BigUint64Array;
  readonly g: Float64Array;
  /** Aggregation weight p_c = n_c / Σ n of the entry's client. */
  readonly p: Float64Array;
}

/** Throws a typed error unless `log` is internally consistent and finite. */
export function checkReplayLog(log: ReplayLog): void {
  const bad = (message: string): never => {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `replay log of round ${log.round}: ${message}`,
    );
  };
  if (!Number.isInteger(log.round) || log.round < 0 || log.round > 0xffffffff) {
    bad('round must be an integer in [0, 2^32)');
  }
  if (!(Number.isFinite(log.lr) && log.lr > 0)) bad(`lr must be finite and > 0, got ${log.lr}`);
  if (!Number.isInteger(log.directions) || log.directions < 1 || log.directions > 0xffffffff) {
    bad(`directions must be an integer >= 1, got ${log.directions}`);
  }
  if (log.distribution !== 'gaussian' && log.distribution !== 'rademacher') {
    bad(`distribution must be 'gaussian' or 'rademacher', got ${String(log.distribution)}`);
  }
  const n = log.seeds.length;
  if (log.g.length !== n || log.p.length !== n) {
    bad(`seeds, g and p must have equal lengths, got ${n}, ${log.g.length}, ${log.p.length}`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(log.g[i]!)) bad(`entry ${i} has a non-finite g (${log.g[i]})`);
    const p = log.p[i]!;
    if (!(Number.isFinite(p) && p > 0 && p <= 1))
      bad(`entry ${i} has weight p = ${p}, not in (0, 1]`);
  }
}

/**
 * Applies a replay log to θ in place: θ ← θ + Σ_i (−η·g_i·p_i / directions)·Σ_stream z(seed_i, stream),
 * entry by entry, in log order. This is the only place the aggregation arithmetic lives, so the
 * server's θ^{r+1} and every client that replays the log are bit-identical. Rounding: each entry
 * adds in float64 and rounds to float32 once per coordinate, exactly like `applyStep`.
 */
export function applyReplayLog(
  theta: Float32Array,
  log: ReplayLog,
  scratch: Float32Array = new Float32Array(theta.length),
): Float32Array {
  checkReplayLog(log);
  if (scratch.length !== theta.length) {
    throw new FedAggregateError(
      'FED_DIMENSION_MISMATCH',
      `scratch length ${scratch.length} must equal theta length ${theta.length}`,
    );
  }
  const { lr, directions, distribution, seeds, g, p } = log;
  for (let i = 0; i < seeds.length; i++) {
    // Same expression as applyStep's (−η·g)/directions when p = 1, hence bit-identical replay.
    const scale = (-lr * g[i]! * p[i]!) / directions;
    addScaledDirections(theta, seeds[i]!, scale, directions, distribution, scratch);
  }
  return theta;
}
