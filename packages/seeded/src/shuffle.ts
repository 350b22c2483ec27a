import type { UniformRandom } from './philox-uniform-stream.js';

/**
 * Seeded Fisher–Yates shuffle, in place, drawing from a stream: for i = n−1 … 1, swap item i with
 * item `random.nextBelow(i + 1)` (exactly uniform). Works on typed arrays and plain arrays.
 * Its output depends on the stream's position; for a permutation rebuilt from a seed alone,
 * see `seededPermutation`.
 */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(
  items: T,
  random: Pick<UniformRandom, 'nextBelow'>,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.nextBelow(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
