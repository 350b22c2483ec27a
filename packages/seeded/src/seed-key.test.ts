import { describe, expect, it } from 'vitest';
import { isSeed, SeededError, seedToKey } from './index.js';

describe('seeds', () => {
  it('splits a 64-bit seed into Philox key words (lo, hi)', () => {
    expect(seedToKey(0n)).toEqual([0, 0]);
    expect(seedToKey(0x0123456789abcdefn)).toEqual([0x89abcdef, 0x01234567]);
    expect(seedToKey(2n ** 64n - 1n)).toEqual([0xffffffff, 0xffffffff]);
  });

  it('accepts exactly the bigints in [0, 2^64)', () => {
    expect([0n, 42n, 2n ** 64n - 1n].every(isSeed)).toBe(true);
    expect([-1n, 2n ** 64n, 42, '42', undefined].some(isSeed)).toBe(false);
    expect(() => seedToKey(-1n)).toThrow(SeededError);
    expect(() => seedToKey(42 as unknown as bigint)).toThrow(/bigint in \[0, 2\^64\)/);
  });
});
