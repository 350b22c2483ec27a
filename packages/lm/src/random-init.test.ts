import { describe, expect, it } from 'vitest';
import { fillNormal, randomWord } from './random-init.js';

describe('counter-based normal stream', () => {
  it('does not depend on chunking or start parity', () => {
    const whole = new Float32Array(101);
    fillNormal(7, 't', 0, whole, 1);
    const pieces = new Float32Array(101);
    for (const [s, e] of [
      [0, 3],
      [3, 4],
      [4, 50],
      [50, 51],
      [51, 101],
    ] as const) {
      fillNormal(7, 't', s, pieces.subarray(s, e), 1);
    }
    expect(pieces).toEqual(whole);
  });

  it('differs by seed and by tensor name', () => {
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    const c = new Float32Array(8);
    fillNormal(1, 'x', 0, a, 1);
    fillNormal(2, 'x', 0, b, 1);
    fillNormal(1, 'y', 0, c, 1);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(randomWord(1, 'x', 0)).not.toBe(randomWord(1, 'x', 1));
  });

  it('has the moments of normal(mean, std) (200k samples, 5-sigma bounds)', () => {
    const n = 200_000;
    const v = new Float32Array(n);
    fillNormal(3, 'moments', 0, v, 0.02, 0.5);
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
