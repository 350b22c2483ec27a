import { describe, expect, it } from 'vitest';
import { bruteTopK, uniformTestValues } from '../test/helpers.js';
import { magnitudeMask, randomMask, sampleUniformIndices, topKMask } from './baselines.js';
import { SparseMaskError } from './errors.js';
import { createLayout } from './layout.js';
import { Xoshiro128 } from './xoshiro128.js';

const layout = createLayout([
  { name: 'w1', shape: [20, 10] },
  { name: 'b1', shape: [10] },
  { name: 'w2', shape: [10, 4] },
]);

function isSortedUnique(a: Uint32Array, d: number): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return false;
  return a[a.length - 1]! < d;
}

describe('xoshiro128**', () => {
  it('matches a BigInt re-implementation of SplitMix64 seeding and xoshiro128**', () => {
    const M64 = (1n << 64n) - 1n;
    const M32 = 0xffffffffn;
    const sm = (s: bigint): [bigint, bigint] => {
      const n = (s + 0x9e3779b97f4a7c15n) & M64;
      let z = n;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
      return [n, z ^ (z >> 31n)];
    };
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;
    for (const seed of [0n, 1n, 42n, M64]) {
      const [s1, x] = sm(seed);
      const [, y] = sm(s1);
      let s = [x & M32, x >> 32n, y & M32, y >> 32n];
      const rng = new Xoshiro128(seed);
      for (let i = 0; i < 50; i++) {
        const result = (rotl((s[1]! * 5n) & M32, 7n) * 9n) & M32;
        const t = (s[1]! << 9n) & M32;
        const s2 = s[2]! ^ s[0]!;
        const s3 = s[3]! ^ s[1]!;
        const n1 = s[1]! ^ s2;
        const n0 = s[0]! ^ s3;
        s = [n0, n1, s2 ^ t, rotl(s3, 11n)];
        expect(rng.nextUint32()).toBe(Number(result));
      }
    }
    expect(() => new Xoshiro128(-1n)).toThrow(SparseMaskError);
  });
});

describe('randomMask', () => {
  it('is reproducible for a seed, differs across seeds, sorted and without duplicates', () => {
    const a = randomMask(layout, { k: 25 }, 7n);
    const b = randomMask(layout, { k: 25 }, 7n);
    const c = randomMask(layout, { k: 25 }, 8n);
    expect(a).toEqual(b);
    expect(Array.from(a.indices)).not.toEqual(Array.from(c.indices));
    expect(a.fingerprint).toBe(layout.fingerprint);
    for (const k of [1, 25, 125, 200, 249, 250]) {
      const m = randomMask(layout, { k }, BigInt(k));
      expect(m.indices.length).toBe(k);
      expect(isSortedUnique(m.indices, layout.size)).toBe(true);
    }
    expect(randomMask(layout, { density: 0.01 }, 1n).indices.length).toBe(Math.round(0.01 * 250));
    expect(() => randomMask(layout, { k: 251 }, 1n)).toThrow(SparseMaskError);
  });

  it('is uniform: chi-square over per-index inclusion counts, small and complement regimes', () => {
    // d = 50; 4000 draws. Each index is included k·draws/d times in expectation; the statistic
    // Σ (O − E)² / E is ≈ χ² with d − 1 = 49 degrees of freedom (times (1 − k/d) for sampling
    // without replacement, which only shrinks it). Critical value at p = 0.001: 85.35.
    for (const k of [5, 40]) {
      const d = 50;
      const draws = 4000;
      const counts = new Float64Array(d);
      for (let s = 0; s < draws; s++)
        for (const i of sampleUniformIndices(d, k, BigInt(s) * 7919n + 1n)) counts[i]!++;
      const expected = (k * draws) / d;
      let chi2 = 0;
      for (const c of counts) chi2 += (c - expected) ** 2 / expected;
      expect(chi2).toBeLessThan(85.35);
    }
  });

  it('every pair of a 2-subset of 6 appears about equally often (joint uniformity)', () => {
    // 15 possible subsets, 6000 draws: χ² with 14 dof, critical value at p = 0.001: 36.12.
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const key = Array.from(sampleUniformIndices(6, 2, BigInt(s))).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(15);
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - 400) ** 2 / 400;
    expect(chi2).toBeLessThan(36.12);
  });
});

describe('magnitudeMask and topKMask', () => {
  it('magnitude mask is the top-k |w| (brute force), flat and per-tensor map agree', () => {
    const rnd = uniformTestValues(11);
    const w = new Float32Array(layout.size);
    for (let i = 0; i < w.length; i++) w[i] = (rnd() < 0.5 ? -1 : 1) * Math.floor(rnd() * 6);
    const map = Object.fromEntries(
      layout.tensors.map((t) => [t.name, w.slice(t.offset, t.offset + t.size)]),
    );
    for (const k of [1, 13, 100, 250]) {
      const m = magnitudeMask(layout, w, { k });
      expect(Array.from(m.indices)).toEqual(bruteTopK(w, k, 0, w.length, true));
      expect(Array.from(m.scores!)).toEqual(Array.from(m.indices, (i) => Math.abs(w[i]!)));
      expect(magnitudeMask(layout, map, { k })).toEqual(m);
    }
    const absW = w.map(Math.abs);
    expect(topKMask(layout, absW, { k: 30 }).indices).toEqual(
      magnitudeMask(layout, w, { k: 30 }).indices,
    );
    expect(() => magnitudeMask(layout, new Float32Array(3), { k: 1 })).toThrow(SparseMaskError);
    const withNan = w.slice();
    withNan[3] = Number.NaN;
    expect(() => magnitudeMask(layout, withNan, { k: 1 })).toThrow(SparseMaskError);
  });
});
