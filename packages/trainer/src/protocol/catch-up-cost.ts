import { MeerkatError } from '../errors.js';
import { thetaV2ByteLengthOf } from './frame-sizes.js';

/**
 * What a client's catch-up costs it, in seconds, as the coordinator estimates it when it chooses
 * between the round logs and a θ snapshot.
 */
export interface CatchUpCosts {
  /**
   * Bytes per second a client downloads. Default 1.25 × 10^6 (10 Mbit/s): clients are edge
   * devices and browsers, not data-centre machines.
   */
  readonly bytesPerSecond: number;
  /**
   * Gaussian draws per second one client core makes when it replays logs (each replayed scalar
   * regenerates its k-vector z). Default 5 × 10^7: 52 M/s was measured on one core of the
   * development machine (zo-estimator's bench).
   */
  readonly drawsPerSecond: number;
}

export const DEFAULT_CATCH_UP_COSTS: CatchUpCosts = Object.freeze({
  bytesPerSecond: 1.25e6,
  drawsPerSecond: 5e7,
});

/** The round logs a client lacks, as counted by the coordinator. */
export interface MissedLogs {
  /** Rounds to replay. */
  readonly rounds: number;
  /** Scalars to replay over those rounds (Σ steps × directions): each costs k draws. */
  readonly scalars: number;
  /** Bytes of those round-log frames. */
  readonly bytes: number;
}

/** The choice and the estimates it was made on. */
export interface CatchUpChoice {
  readonly kind: 'logs' | 'theta';
  /** bytes / bytesPerSecond + scalars · k / drawsPerSecond. */
  readonly logsSeconds: number;
  /** θ frame bytes (9 + v(round) + v(k) + 4k) / bytesPerSecond. */
  readonly thetaSeconds: number;
}

/**
 * The catch-up rule: a client that is behind replays the round logs it lacks unless installing
 * a θ snapshot is estimated to be faster, counting both what it downloads and what it computes:
 *
 *   logs:  bytes(logs) / B  +  E · k / D        (E = scalars to replay, k = trainable values)
 *   θ:     (9 + v(round) + v(k) + 4k) / B       (the θ frame; no replay)
 *
 * with B = `bytesPerSecond`, D = `drawsPerSecond`. θ wins when its estimate is strictly smaller.
 * At the defaults, k = 256 (a 1,036 B θ frame, 0.8 ms) takes θ once the logs cost more than
 * that: about 100 missed scalars (400 B plus 2.6 × 10^4 draws), a tenth of one round of
 * 100 clients × 10 steps; k = 10^5 (400 kB, 0.32 s) takes θ once E exceeds ≈ 160 scalars
 * (0.32 s replays 1.6 × 10^7 draws), so one missed round of 1,000 scalars goes to θ too, while a
 * client one round behind in a run of 10 participants × 10 steps replays its 100 scalars.
 * Without logs to replay (`rounds` 0) the answer is logs (nothing to fetch).
 */
export function chooseCatchUp(
  k: number,
  round: number,
  missed: MissedLogs,
  costs: CatchUpCosts = DEFAULT_CATCH_UP_COSTS,
): CatchUpChoice {
  checkCosts(costs);
  const logsSeconds =
    missed.bytes / costs.bytesPerSecond + (missed.scalars * k) / costs.drawsPerSecond;
  const thetaSeconds = thetaV2ByteLengthOf(round, k) / costs.bytesPerSecond;
  const kind = missed.rounds > 0 && thetaSeconds < logsSeconds ? 'theta' : 'logs';
  return { kind, logsSeconds, thetaSeconds };
}

function checkCosts(costs: CatchUpCosts): void {
  for (const key of ['bytesPerSecond', 'drawsPerSecond'] as const) {
    const value = costs[key];
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `catch-up costs: ${key} must be a positive finite number, got ${String(value)}`,
      );
    }
  }
}
