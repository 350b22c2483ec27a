import { describe, expect, it } from 'vitest';
import { participantCount, sampleClients } from './client-sampling.js';

const ids = Array.from({ length: 20 }, (_, i) => `client-${i}`);

describe('sampleClients', () => {
  it('is reproducible, independent of registration order, sorted and without repeats', () => {
    const a = sampleClients(42n, 3, ids, { fraction: 0.25 });
    const b = sampleClients(42n, 3, [...ids].reverse(), { fraction: 0.25 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(5);
    expect(new Set(a).size).toBe(5);
    expect([...a].sort()).toEqual(a);
    for (const id of a) expect(ids).toContain(id);
  });

  it('differs across rounds and seeds', () => {
    const rounds = new Set(
      Array.from({ length: 10 }, (_, r) => sampleClients(1n, r, ids, { count: 5 }).join()),
    );
    expect(rounds.size).toBeGreaterThan(5);
    expect(sampleClients(1n, 0, ids, { count: 5 })).not.toEqual(
      sampleClients(2n, 0, ids, { count: 5 }),
    );
  });

  it('selects each client with probability m/N (chi-square over 2000 rounds)', () => {
    const counts = new Map(ids.map((id) => [id, 0]));
    const rounds = 2000;
    for (let r = 0; r < rounds; r++) {
      for (const id of sampleClients(7n, r, ids, { count: 4 })) counts.set(id, counts.get(id)! + 1);
    }
    const expected = (rounds * 4) / 20;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    // 19 degrees of freedom: P(χ² > 43.8) ≈ 0.001.
    expect(chi2).toBeLessThan(43.8);
  });

  it('participantCount rounds fractions up, clamps, and rejects nonsense', () => {
    expect(participantCount(100, { fraction: 0.29 })).toBe(29);
    expect(participantCount(10, { fraction: 0.01 })).toBe(1);
    expect(participantCount(10, { count: 50 })).toBe(10);
    expect(participantCount(0, { count: 3 })).toBe(0);
    expect(() => participantCount(10, { fraction: 0 })).toThrow(/fraction/);
    expect(() => participantCount(10, { count: 1.5 })).toThrow(/count/);
    expect(() => sampleClients(1n, 0, ['a', 'a'], { count: 1 })).toThrow(/unique/);
  });
});
