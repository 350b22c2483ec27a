import { PhiloxUniformStream } from '@meerkat/seeded';

/**
 * Test-only helpers: seeded test inputs (uniform doubles in [0, 1) from `@meerkat/seeded`'s Philox
 * stream, independent of the xoshiro128** behind `randomMask`) and brute-force references.
 */
export function uniformTestValues(seed: number): () => number {
  const stream = new PhiloxUniformStream(BigInt(seed), 0x54455354 /* "TEST" */);
  return () => stream.nextUnit32();
}

/** Reference top-k: full sort by (value desc, index asc), with float32 rounding of the values. */
export function bruteTopK(
  scores: ArrayLike<number>,
  k: number,
  start = 0,
  end = scores.length,
  abs = false,
): number[] {
  const items: [number, number][] = [];
  for (let i = start; i < end; i++) {
    const v = Math.fround(scores[i]!);
    items.push([abs ? Math.abs(v) : v, i]);
  }
  items.sort((a, b) => (a[0] !== b[0] ? b[0] - a[0] : a[1] - b[1]));
  return items
    .slice(0, k)
    .map((x) => x[1])
    .sort((a, b) => a - b);
}
