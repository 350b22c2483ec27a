/** Bounds the NATS transport enforces on every uplink message before the coordinator sees it. */
export interface UplinkLimits {
  /** Largest encoded message in bytes (also the update stream's max_msg_size). Default 1 MiB. */
  readonly maxMessageBytes: number;
  /** Largest number of g scalars (steps × directions) in one update. Default 65 536. */
  readonly maxScalars: number;
  /** Largest first-order delta (k values). Default 16 Mi. */
  readonly maxDeltaValues: number;
  /** Largest |g| and |delta| value. Default 1e6 (the coordinator may bound g tighter). */
  readonly maxAbsValue: number;
  /** Largest |loss| value. Default 1e6. */
  readonly maxAbsLoss: number;
  /** Largest round number. Default 10 000 000. */
  readonly maxRound: number;
  /** Largest numSamples. Default 1e9. */
  readonly maxSamples: number;
}

export const DEFAULT_UPLINK_LIMITS: UplinkLimits = {
  maxMessageBytes: 1024 * 1024,
  maxScalars: 65_536,
  maxDeltaValues: 16 * 1024 * 1024,
  maxAbsValue: 1e6,
  maxAbsLoss: 1e6,
  maxRound: 10_000_000,
  maxSamples: 1e9,
};
