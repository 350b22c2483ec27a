import { SeededError } from './errors.js';
import { philox4x32Into } from './philox.js';
import { seedToKey } from './seed-key.js';
import { bits53, INV_2_53 } from './unit-interval.js';

/** Counter word 3 of the permutation's Philox draws ("SHUF"), separating it from other streams. */
export const PERMUTATION_TAG = 0x53485546;

/**
 * Seeded permutation v1 of [0, size), rebuilt from the seed alone: Fisher–Yates where swap i
 * (i = size−1 … 1) takes j = ⌊u·(i + 1)⌋ with u the 53-bit uniform in [0, 1) of words 0 and 1 of
 * Philox4x32-10 block (i, 0, 0, "SHUF") under key = seed. Each swap reads its own counter, so no
 * stream state is carried; the bias of ⌊u·(i + 1)⌋ is below 2^−20 for any size up to 2^32.
 * This is the per-epoch data order of `@meerkat/gradip`'s data cursor. Writes into `out`
 * (default: a new `Uint32Array(size)`) and returns it.
 */
export function seededPermutation(
  seed: bigint,
  size: number,
  out: Uint32Array = new Uint32Array(size),
): Uint32Array {
  const [k0, k1] = seedToKey(seed);
  if (out.length !== size) {
    throw new SeededError(
      'SEEDED_INVALID_ARGUMENT',
      `out length ${out.length} must equal size ${size}`,
    );
  }
  const block = new Uint32Array(4);
  for (let i = 0; i < size; i++) out[i] = i;
  for (let i = size - 1; i > 0; i--) {
    philox4x32Into(i, 0, 0, PERMUTATION_TAG, k0, k1, block);
    const j = Math.floor(bits53(block[0]!, block[1]!) * INV_2_53 * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
