import type { PhiloxUniformStream } from './uniform-stream.js';

/** Seeded Fisher–Yates shuffle, in place. Works on typed arrays and plain arrays. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(
  items: T,
  random: PhiloxUniformStream,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.nextBelow(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
