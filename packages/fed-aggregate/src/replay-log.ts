import {
  addStepDirections,
  addStepDirectionsAsync,
  type DirectionDistribution,
  type DirectionRangeFill,
  type StepRecord,
} from '@meerkat/zo-estimator';
import { FedAggregateError } from './errors.js';

/**
 * The dimension-free record of one aggregation: applying it to θ^r gives θ^{r+1}.
 * Entry i is `(seeds[i], g[i·d .. i·d + d − 1], p[i])` with d = `directions` (one scalar per
 * direction; with the default d = 1 simply `(seeds[i], g[i], p[i])`). Entries are ordered by
 * clientId (UTF-16 code-unit order), then by local step t ascending.
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
  /** Per-direction projected-gradient scalars, entry-major: length = entries × directions. */
  readonly g: Float64Array;
  /** Aggregation weight p_c = n_c / Σ n of the entry's client. */
  readonly p: Float64Array;
}

/**
 * Throws `FED_INVALID_ARGUMENT` unless `log` is internally consistent and finite: integer round,
 * finite lr > 0, directions ≥ 1, a known distribution, typed arrays of matching lengths, finite g,
 * every p in (0, 1], and weights that can come from p_c = n_c/Σn (see below).
 *
 * Weights: a log keeps no client ids (a seed is an opaque hash of runSeed, round, clientId and t),
 * so which entries belong to which client cannot be recovered — p = [0.5, 0.5] is one client with
 * weight 0.5 and two steps (invalid) or two one-step clients with weight 0.5 (valid). Hence neither
 * "one client's entries share one p" nor "the clients' p sum to 1" can be checked exactly. What
 * can be checked: a client's entries are contiguous and share one p, so each maximal run of equal
 * p holds at least one whole client and no client spans two runs; the sum over runs of the run's
 * p is therefore at most Σ_c p_c ≤ 1 (plus rounding, allowed as (runs + 1)·2⁻⁵²). A log whose
 * runs sum to more is rejected. (The sum can legitimately be below 1: `buildReplayLog` accepts a
 * client with zero steps, which has weight but no entries.)
 */
export function checkReplayLog(log: ReplayLog): void {
  if (typeof log !== 'object' || log === null) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'a replay log must be an object');
  }
  const bad = (message: string): never => {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `replay log of round ${log.round}: ${message}`,
    );
  };
  if (
    !(log.seeds instanceof BigUint64Array) ||
    !(log.g instanceof Float64Array) ||
    !(log.p instanceof Float64Array)
  ) {
    bad('seeds must be a BigUint64Array, g and p Float64Arrays');
  }
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
  if (log.g.length !== n * log.directions || log.p.length !== n) {
    bad(
      `expected ${n} seeds, ${n} × ${log.directions} g values and ${n} weights, got ${log.g.length} g values and ${log.p.length} weights`,
    );
  }
  for (let j = 0; j < log.g.length; j++) {
    if (!Number.isFinite(log.g[j]!)) bad(`g value ${j} is not finite (${log.g[j]})`);
  }
  let runs = 0;
  let runWeights = 0;
  for (let i = 0; i < n; i++) {
    const p = log.p[i]!;
    if (!(Number.isFinite(p) && p > 0 && p <= 1))
      bad(`entry ${i} has weight p = ${p}, not in (0, 1]`);
    if (i === 0 || p !== log.p[i - 1]) {
      runs++;
      runWeights += p;
    }
  }
  if (runWeights > 1 + (runs + 1) * 2 ** -52) {
    bad(
      `weights cannot be p_c = n_c/Σn: its ${runs} runs of equal p (each at least one whole client) sum to ${runWeights} > 1`,
    );
  }
}

/**
 * Entry i of a log as zo-estimator's `StepRecord`: `{ seed, g }` with one direction; with d > 1,
 * `gs` holds the entry's d per-direction scalars and `g` their mean.
 */
export function replayLogStep(log: ReplayLog, i: number): StepRecord {
  const seed = log.seeds[i]!;
  const d = log.directions;
  if (d === 1) return { seed, g: log.g[i]! };
  const gs = Array.from(log.g.subarray(i * d, (i + 1) * d));
  return { seed, g: gs.reduce((sum, x) => sum + x, 0) / d, gs };
}

/**
 * Applies a replay log to θ in place, entry by entry in log order: for each entry,
 * θ ← θ + (−η·p)·(1/d)·Σ_s g_s·z(seed, s) — zo-estimator's own step update with its −η replaced by
 * −η·p (so with p = 1 it is `applyStep` bit for bit). The server's θ^{r+1} and every client
 * replaying the log run this same function, so they are bit-identical. Rounding: each direction
 * adds in float64 and rounds to float32 once per coordinate.
 */
/**
 * `applyReplayLog` with the directions from an asynchronous range filler (a `DirectionPool`'s
 * `fillRange`, `scratch` from its `allocate`): the same θ bit for bit (zo-estimator's
 * `addStepDirectionsAsync`), the draws shared by the pool's threads.
 */
export async function applyReplayLogAsync(
  theta: Float32Array,
  log: ReplayLog,
  fillRange: DirectionRangeFill,
  scratch: Float32Array,
): Promise<Float32Array> {
  checkReplayLog(log);
  const { lr, directions, distribution, p } = log;
  for (let i = 0; i < p.length; i++) {
    await addStepDirectionsAsync(
      theta,
      replayLogStep(log, i),
      -lr * p[i]!,
      directions,
      distribution,
      fillRange,
      scratch,
    );
  }
  return theta;
}

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
  const { lr, directions, distribution, p } = log;
  for (let i = 0; i < p.length; i++) {
    addStepDirections(theta, replayLogStep(log, i), -lr * p[i]!, directions, distribution, scratch);
  }
  return theta;
}
