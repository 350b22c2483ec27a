import { describe, expect, it } from 'vitest';
import { keyOf, philoxReference } from '../test/philox-reference.js';
import { PERMUTATION_TAG, SeededError, seededPermutation } from './index.js';

describe('seededPermutation (permutation v1)', () => {
  it('reproduces its known-answer permutation (pinned from gradip before the move)', () => {
    // gradip's epochPermutation(5n, 'client-x', 3, 61) = seededPermutation(deriveSeed(5n, 3, 'client-x', 0), 61).
    expect(Array.from(seededPermutation(4715596062291438206n, 61))).toEqual([
      13, 6, 11, 46, 12, 16, 22, 39, 34, 4, 41, 50, 54, 32, 48, 47, 8, 52, 56, 9, 28, 55, 59, 19,
      36, 23, 21, 40, 51, 53, 38, 49, 37, 45, 26, 29, 18, 33, 5, 42, 14, 1, 44, 17, 27, 60, 31, 57,
      24, 20, 58, 15, 25, 10, 35, 3, 43, 30, 7, 0, 2,
    ]);
  });

  it('follows the spec: swap i takes j = ⌊u·(i + 1)⌋, u from block (i, 0, 0, "SHUF")', () => {
    const seed = 0xfedcba9876543210n;
    const reference = Array.from({ length: 33 }, (_, i) => i);
    for (let i = 32; i > 0; i--) {
      const [w0, w1] = philoxReference([i, 0, 0, PERMUTATION_TAG], keyOf(seed));
      const u = Number((BigInt(w0 >>> 5) << 26n) | BigInt(w1 >>> 6)) / 2 ** 53;
      const j = Math.floor(u * (i + 1));
      [reference[i], reference[j]] = [reference[j]!, reference[i]!];
    }
    expect(Array.from(seededPermutation(seed, 33))).toEqual(reference);
  });

  it('is a permutation, reproducible, different across seeds, and fills a given array', () => {
    const p = seededPermutation(5n, 97);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 97 }, (_, i) => i));
    expect(seededPermutation(5n, 97)).toEqual(p);
    expect(seededPermutation(6n, 97)).not.toEqual(p);
    const out = new Uint32Array(97).fill(7);
    expect(seededPermutation(5n, 97, out)).toBe(out);
    expect(out).toEqual(p);
    expect(seededPermutation(5n, 0)).toEqual(new Uint32Array(0));
  });

  it('rejects a bad seed or an out array of the wrong length', () => {
    expect(() => seededPermutation(2n ** 64n, 3)).toThrow(SeededError);
    expect(() => seededPermutation(1n, 3, new Uint32Array(2))).toThrow(/out length 2/);
  });
});
