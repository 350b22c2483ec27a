import { describe, expect, it } from 'vitest';
import { fillHashStreamNormal, fmix32, hashStreamWord } from './index.js';

/** Independent reference of the spec in BigInt arithmetic (MurmurHash3 fmix32, FNV-1a 32). */
const M32 = 0xffffffffn;
function fmixRef(h: bigint): bigint {
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M32;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M32;
  return h ^ (h >> 16n);
}
function wordRef(seed: number, name: string, n: number): number {
  let fnv = 0x811c9dc5n;
  for (const b of new TextEncoder().encode(name)) fnv = ((fnv ^ BigInt(b)) * 0x01000193n) & M32;
  const k1 = fmixRef(BigInt(seed) ^ 0x9e3779b9n) ^ fnv;
  const k2 = fmixRef(k1 ^ 0x85ebca6bn);
  return Number(fmixRef(fmixRef(((BigInt(n) * 0x9e3779b1n) & M32) ^ k1) ^ k2));
}

describe('counter-hash stream v1', () => {
  it('reproduces its known-answer values (pinned from lm random-init before the move)', () => {
    expect(hashStreamWord(7, 'x', 0)).toBe(648017026);
    expect(hashStreamWord(0xffffffff, 'model.layers.0.q', 12345)).toBe(1183123724);
    const out = new Float32Array(11);
    fillHashStreamNormal(7, 'tok', 3, out, 0.02, 0.1);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual([
      1039959028, 1034489205, 1035932660, 1035115412, 1030430782, 1037942796, 1040234793,
      1037058405, 1037189269, 1033771319, 1039044149,
    ]);
  });

  it('matches a BigInt reference of the spec', () => {
    expect(fmix32(0)).toBe(0);
    for (const [seed, name] of [
      [0, ''],
      [1, 'w'],
      [0x9e3779b9, 'model.embed_tokens.weight'],
      [0xffffffff, 'ünïcode'],
    ] as const) {
      expect(fmix32(seed)).toBe(Number(fmixRef(BigInt(seed))));
      for (const n of [0, 1, 2, 1000, 0x7fffffff, 0xffffffff]) {
        expect(hashStreamWord(seed, name, n)).toBe(wordRef(seed, name, n));
      }
    }
    const out = new Float32Array(2);
    fillHashStreamNormal(3, 'b', 4, out, 1);
    const r = Math.sqrt(-2 * Math.log((wordRef(3, 'b', 4) + 1) / 2 ** 32));
    const theta = (2 * Math.PI * wordRef(3, 'b', 5)) / 2 ** 32;
    expect(Array.from(out)).toEqual([
      Math.fround(r * Math.cos(theta)),
      Math.fround(r * Math.sin(theta)),
    ]);
  });

  it('does not depend on chunking or start parity', () => {
    const whole = new Float32Array(101);
    fillHashStreamNormal(7, 't', 0, whole, 1);
    const pieces = new Float32Array(101);
    for (const [s, e] of [
      [0, 3],
      [3, 4],
      [4, 50],
      [50, 51],
      [51, 101],
    ] as const) {
      fillHashStreamNormal(7, 't', s, pieces.subarray(s, e), 1);
    }
    expect(pieces).toEqual(whole);
  });

  it('differs by seed and by stream name', () => {
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    const c = new Float32Array(8);
    fillHashStreamNormal(1, 'x', 0, a, 1);
    fillHashStreamNormal(2, 'x', 0, b, 1);
    fillHashStreamNormal(1, 'y', 0, c, 1);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(hashStreamWord(1, 'x', 0)).not.toBe(hashStreamWord(1, 'x', 1));
  });

  it('has the moments of normal(mean, std) (200k samples, 5-sigma bounds)', () => {
    const n = 200_000;
    const v = new Float32Array(n);
    fillHashStreamNormal(3, 'moments', 0, v, 0.02, 0.5);
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const x of v) {
      sum += x;
      sq += (x - 0.5) ** 2;
      if (Math.abs(x - 0.5) > 0.04) beyond2++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n);
    expect(Math.abs(mean - 0.5)).toBeLessThan((5 * 0.02) / Math.sqrt(n));
    expect(Math.abs(std - 0.02)).toBeLessThan(5 * 0.02 * Math.sqrt(0.5 / n));
    // P(|z| > 2) = 0.0455; binomial sd ≈ 0.00047.
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.0025);
  });
});
