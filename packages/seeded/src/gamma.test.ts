import { describe, expect, it } from 'vitest';
import { SeededError } from './errors.js';
import { sampleGamma, sampleLogGamma } from './gamma.js';
import { PhiloxUniformStream } from './philox-uniform-stream.js';
import { nextStandardNormal } from './standard-normal.js';

describe('sampleGamma (Marsaglia–Tsang with the α < 1 boost)', () => {
  it('reproduces its known-answer values (pinned from fed-aggregate before the move)', () => {
    // The same stream position as fed-aggregate's pinned run: 9 words, 5 open units, …
    const r = new PhiloxUniformStream(123456789012345n, 0x50415254, 7);
    for (let i = 0; i < 9; i++) r.nextUint32();
    for (let i = 0; i < 5; i++) r.nextOpenUnit();
    for (let i = 0; i < 9; i++) r.nextBelow(i * 1000 + 3);
    for (let i = 0; i < 5; i++) r.nextUnit32();
    expect(Array.from({ length: 5 }, () => nextStandardNormal(r))).toEqual([
      0.3806200296597243, -0.2833995218714448, -1.3508004504157813, 0.46852070744032526,
      1.2707191078622389,
    ]);
    expect([0.05, 0.5, 1, 3.7].map((a) => sampleGamma(r, a))).toEqual([
      0.0007969311248911056, 0.0695638181074375, 2.076189354006608, 4.305859267018058,
    ]);
    expect([0.001, 2].map((a) => sampleLogGamma(r, a))).toEqual([
      -380.5009763077212, 0.5791302333936328,
    ]);
  });

  it.each([0.1, 0.5, 1, 2.5, 10])(
    'shape %s: mean α and variance α within 5 standard errors',
    (alpha) => {
      const r = new PhiloxUniformStream(BigInt(Math.round(alpha * 1000)), 9);
      const n = 60_000;
      const xs = new Float64Array(n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        xs[i] = sampleGamma(r, alpha);
        expect(xs[i]).toBeGreaterThanOrEqual(0);
        sum += xs[i]!;
      }
      const mean = sum / n;
      let ss = 0;
      for (const x of xs) ss += (x - mean) ** 2;
      const variance = ss / (n - 1);
      // SE(mean) = √(α/n); SE(s²) ≈ √((μ₄ − σ⁴)/n) with μ₄ = 3α² + 6α, σ⁴ = α².
      expect(Math.abs(mean - alpha)).toBeLessThan(5 * Math.sqrt(alpha / n));
      expect(Math.abs(variance - alpha)).toBeLessThan(
        5 * Math.sqrt((2 * alpha * alpha + 6 * alpha) / n),
      );
    },
  );

  it('rejects non-positive shapes', () => {
    const r = new PhiloxUniformStream(1n, 1);
    expect(() => sampleGamma(r, 0)).toThrow(SeededError);
    expect(() => sampleLogGamma(r, Number.NaN)).toThrow(/shape/);
  });
});
