import { describe, expect, it } from 'vitest';
import { sampleDirichlet } from './dirichlet.js';
import { sampleGamma } from './gamma.js';
import { nextStandardNormal } from './standard-normal.js';
import { PhiloxUniformStream } from './uniform-stream.js';

describe('uniform stream', () => {
  it('is reproducible and separates domains and substreams', () => {
    const draw = (d: number, s: number) => {
      const r = new PhiloxUniformStream(5n, d, s);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(1, 2)).toEqual(draw(1, 2));
    expect(draw(1, 2)).not.toEqual(draw(1, 3));
    expect(draw(1, 2)).not.toEqual(draw(2, 2));
  });

  it('nextOpenUnit stays in (0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new PhiloxUniformStream(1n, 7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.nextOpenUnit();
      if (u > 0 && u < 1) inside++;
      sum += u;
      sq += u * u;
    }
    expect(inside).toBe(n);
    const mean = sum / n;
    // Standard errors: σ/√n with σ² = 1/12; var(U²) = 1/5 − 1/9.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sq / n - 1 / 3)).toBeLessThan(5 * Math.sqrt((1 / 5 - 1 / 9) / n));
  });
});

describe('standard normal (Box–Muller)', () => {
  it('has mean 0 and variance 1 within 5 standard errors', () => {
    const r = new PhiloxUniformStream(2n, 7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = nextStandardNormal(r);
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    // var(X²) = 2 for a standard normal.
    expect(Math.abs(sq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});

describe('sampleGamma (Marsaglia–Tsang with the α < 1 boost)', () => {
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
    expect(() => sampleGamma(new PhiloxUniformStream(1n, 1), 0)).toThrow(/shape/);
  });
});

describe('sampleDirichlet', () => {
  it('rows are positive-or-zero and sum to 1; component means are α_i/Σα', () => {
    const r = new PhiloxUniformStream(3n, 4);
    const alpha = [0.5, 1, 2.5];
    const total = 4;
    const n = 20_000;
    const sums = [0, 0, 0];
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const q = sampleDirichlet(r, alpha);
      worst = Math.max(worst, Math.abs(q.reduce((a, b) => a + b, 0) - 1));
      q.forEach((v, j) => {
        sums[j]! += v;
      });
    }
    expect(worst).toBeLessThan(1e-12);
    alpha.forEach((a, j) => {
      const m = a / total;
      const sd = Math.sqrt((m * (1 - m)) / (total + 1));
      expect(Math.abs(sums[j]! / n - m)).toBeLessThan((5 * sd) / Math.sqrt(n));
    });
  });

  it('stays well defined for tiny α (log-space normalisation)', () => {
    const r = new PhiloxUniformStream(4n, 4);
    for (let i = 0; i < 100; i++) {
      const q = sampleDirichlet(r, 0.001, 10);
      expect(q.every(Number.isFinite)).toBe(true);
      expect(Math.abs(q.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
  });
});
