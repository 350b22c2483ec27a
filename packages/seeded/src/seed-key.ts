import { SeededError } from './errors.js';

const UINT64_LIMIT = 1n << 64n;

/** Whether `value` is a 64-bit seed: a bigint in [0, 2^64). */
export function isSeed(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value < UINT64_LIMIT;
}

/**
 * Splits a 64-bit seed into the two Philox key words (lo, hi). Anything but a bigint in
 * [0, 2^64) is `SEEDED_INVALID_SEED`.
 */
export function seedToKey(seed: bigint): [lo: number, hi: number] {
  if (!isSeed(seed)) {
    throw new SeededError(
      'SEEDED_INVALID_SEED',
      `A seed must be a bigint in [0, 2^64), got ${String(seed)}. Pass e.g. 42n or BigInt(value).`,
    );
  }
  return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
}
