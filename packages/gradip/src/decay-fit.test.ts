import { describe, expect, it } from 'vitest';
import { decayFit } from './decay-fit.js';
import { GradipError } from './errors.js';

describe('decayFit', () => {
  it('recovers the rate of a signed exponential decay (|x| is what is fitted)', () => {
    const series = Float64Array.from(
      { length: 80 },
      (_, t) => (t % 2 ? -1 : 1) * 7 * Math.exp(-0.2 * t),
    );
    // x_79 / x_0 = e^−15.8 ≈ 1.4e-7, so the 1e-12 relative floor biases the fit by ≈ 1e-6 at most.
    const fit = decayFit(series);
    expect(fit.rate).toBeCloseTo(0.2, 6);
    expect(fit.slope).toBeCloseTo(-0.2, 6);
    expect(fit.r2).toBeCloseTo(1, 6);
    // A floor far below the smallest value removes the bias.
    expect(decayFit(series, { floorRel: 1e-30 }).rate).toBeCloseTo(0.2, 10);
  });

  it('matches an independent two-point line on noise-free data and has R² < 1 with noise', () => {
    const series = Float64Array.from([1, 2, 4, 8]);
    expect(decayFit(series).slope).toBeCloseTo(Math.log(2), 9);
    // y = log|x| = [0, 1, 0, 1]: Σ(t − 1.5)(y − 0.5) = 1 and Σ(t − 1.5)² = 5, so slope = 1/5.
    const noisy = Float64Array.from([1, Math.E, 1, Math.E]);
    const fit = decayFit(noisy);
    expect(fit.slope).toBeCloseTo(1 / 5, 12);
    // R² = slope²·Sxx / Syy = (1/25·5) / 1 = 0.2.
    expect(fit.r2).toBeCloseTo(0.2, 12);
  });

  it('rejects an all-zero series and bad floors', () => {
    expect(() => decayFit(new Float64Array(5))).toThrow(GradipError);
    expect(() => decayFit(new Float64Array([1, 2]), { floorRel: 0 })).toThrow(/floorRel/);
  });
});
