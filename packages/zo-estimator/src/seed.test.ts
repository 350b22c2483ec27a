import { describe, expect, it } from 'vitest';
import { deriveSeed, seedToKey, ZoError } from './index.js';

describe('seedToKey', () => {
  it("splits a seed into Philox key words and keeps this package's error code", () => {
    expect(seedToKey(0x0123456789abcdefn)).toEqual([0x89abcdef, 0x01234567]);
    expect(() => seedToKey(2n ** 64n)).toThrow(ZoError);
    try {
      seedToKey(-1n);
    } catch (error) {
      expect((error as ZoError).code).toBe('ZO_INVALID_SEED');
    }
    expect.assertions(3);
  });
});

describe('seed derivation v1', () => {
  it('matches the independent Python reference', () => {
    expect(deriveSeed(42n, 0, 'client-0', 0)).toBe(3762003834185633433n);
    expect(deriveSeed(42n, 3, 'client-7', 9)).toBe(7272820626034254732n);
    expect(deriveSeed(2n ** 64n - 1n, 0xffffffff, 'ünïcode-客户', 0xffffffff)).toBe(
      17716520148291788934n,
    );
  });

  it('gives distinct seeds for distinct (round, client, step) and is deterministic', () => {
    const seen = new Set<bigint>();
    for (let round = 0; round < 10; round++) {
      for (let client = 0; client < 20; client++) {
        for (let step = 0; step < 10; step++) {
          const seed = deriveSeed(7n, round, `c${client}`, step);
          expect(deriveSeed(7n, round, `c${client}`, step)).toBe(seed);
          seen.add(seed);
        }
      }
    }
    expect(seen.size).toBe(2000);
    expect(deriveSeed(8n, 0, 'c0', 0)).not.toBe(deriveSeed(7n, 0, 'c0', 0));
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => deriveSeed(-1n, 0, 'a', 0)).toThrow(ZoError);
    expect(() => deriveSeed(1n, -1, 'a', 0)).toThrow(ZoError);
    expect(() => deriveSeed(1n, 0.5, 'a', 0)).toThrow(ZoError);
    expect(() => deriveSeed(1n, 0, '', 0)).toThrow(ZoError);
    expect(() => deriveSeed(1n, 0, 'a', 2 ** 32)).toThrow(ZoError);
  });
});
