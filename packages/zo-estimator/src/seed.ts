import { fnv1a32, isSeed, philox4x32Into, seedToKey as splitSeed } from '@meerkat/seeded';
import { ZoError } from './errors.js';

/** Domain-separation tag in the 4th counter word of seed derivation v1 ("MKV1"). */
export const SEED_DERIVATION_TAG_V1 = 0x4d4b5631;

/**
 * Checks that `seed` is a 64-bit unsigned integer and splits it into Philox key words (lo, hi):
 * `@meerkat/seeded`'s `seedToKey` with this package's error (`ZO_INVALID_SEED`).
 */
export function seedToKey(seed: bigint): [lo: number, hi: number] {
  if (!isSeed(seed)) {
    throw new ZoError(
      'ZO_INVALID_SEED',
      `A seed must be a bigint in [0, 2^64), got ${String(seed)}. Pass e.g. 42n or BigInt(value).`,
    );
  }
  return splitSeed(seed);
}

const utf8 = new TextEncoder();

function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `${name} must be an integer in [0, 2^32), got ${value}`,
    );
  }
}

/**
 * Seed derivation v1: the seed of client `clientId`'s local step `step` in round `round`.
 * Philox4x32-10 with key = runSeed and counter = (round, fnv1a32(utf8(clientId)), step, "MKV1");
 * the seed is x0 | (x1 << 32). The server knows every seed, so clients upload only scalars.
 */
export function deriveSeed(runSeed: bigint, round: number, clientId: string, step: number): bigint {
  const [k0, k1] = seedToKey(runSeed);
  checkUint32('round', round);
  checkUint32('step', step);
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'clientId must be a non-empty string');
  }
  const out = new Uint32Array(4);
  philox4x32Into(round, fnv1a32(utf8.encode(clientId)), step, SEED_DERIVATION_TAG_V1, k0, k1, out);
  return BigInt(out[0]!) | (BigInt(out[1]!) << 32n);
}
