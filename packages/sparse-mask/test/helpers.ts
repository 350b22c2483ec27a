/** Test-only helpers: an independent seeded PRNG (mulberry32) and brute-force references. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
