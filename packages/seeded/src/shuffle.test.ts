import { describe, expect, it } from 'vitest';
import { PhiloxUniformStream, shuffleInPlace } from './index.js';

const iota = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('shuffleInPlace (Fisher–Yates over a stream)', () => {
  it('reproduces its known-answer permutation (pinned from fed-aggregate before the move)', () => {
    expect(Array.from(shuffleInPlace(iota(50), new PhiloxUniformStream(5n, 99, 1)))).toEqual([
      14, 46, 4, 12, 49, 13, 29, 20, 41, 31, 30, 19, 26, 9, 33, 15, 45, 35, 42, 37, 16, 44, 28, 25,
      21, 43, 17, 48, 40, 11, 23, 2, 39, 6, 27, 18, 36, 38, 10, 1, 22, 8, 7, 0, 47, 34, 3, 5, 32,
      24,
    ]);
    expect(shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], new PhiloxUniformStream(5n, 98))).toEqual(
      ['d', 'b', 'e', 'c', 'a', 'f'],
    );
  });

  it('swaps item i with item nextBelow(i + 1), for i from the end down to 1', () => {
    const items = iota(40);
    shuffleInPlace(items, new PhiloxUniformStream(8n, 1, 2));
    const draws = new PhiloxUniformStream(8n, 1, 2);
    const reference = Array.from(iota(40));
    for (let i = 39; i > 0; i--) {
      const j = draws.nextBelow(i + 1);
      [reference[i], reference[j]] = [reference[j]!, reference[i]!];
    }
    expect(Array.from(items)).toEqual(reference);
  });

  it('puts every item in every place about equally often (n = 4, 24 000 shuffles)', () => {
    const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    const r = new PhiloxUniformStream(3n, 3);
    for (let t = 0; t < 24_000; t++) {
      const p = shuffleInPlace(iota(4), r);
      p.forEach((item, place) => {
        counts[item]![place]!++;
      });
    }
    // Each count is Binomial(24 000, 1/4): sd ≈ 67.
    for (const row of counts) for (const c of row) expect(Math.abs(c - 6000)).toBeLessThan(5 * 67);
  });
});
