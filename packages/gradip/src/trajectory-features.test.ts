import { describe, expect, it } from 'vitest';
import { GradipError, type GradipErrorCode } from './errors.js';
import { signChangeRate, trajectoryFeatures } from './trajectory-features.js';

function codeOf(f: () => unknown): GradipErrorCode | 'none' | 'other' {
  try {
    f();
  } catch (error) {
    return error instanceof GradipError ? error.code : 'other';
  }
  return 'none';
}

describe('trajectoryFeatures', () => {
  it('constant-magnitude alternating series: ρ_later = 1, quiet = 0, sign changes = 1', () => {
    const series = Float64Array.from({ length: 150 }, (_, t) => (t % 2 === 0 ? 2.5 : -2.5));
    const f = trajectoryFeatures(series);
    expect(f.rhoLater).toBe(1);
    expect(f.rhoQuiet).toBe(0);
    expect(f.signChangeRate).toBe(1);
    expect(f.decay.rate).toBe(0);
    expect(f.decay.r2).toBe(1);
    expect(f.initialScale).toBe(2.5);
    expect(f.sigma).toBeCloseTo(0.25, 15);
  });

  it('exact exponential decay: the fit recovers λ with R² = 1 and ρ_later matches closed form', () => {
    const a = 3;
    const lambda = 0.05;
    const n = 150;
    const series = Float64Array.from({ length: n }, (_, t) => a * Math.exp(-lambda * t));
    const f = trajectoryFeatures(series);
    expect(f.decay.rate).toBeCloseTo(lambda, 9);
    expect(f.decay.intercept).toBeCloseTo(Math.log(a), 8);
    expect(f.decay.r2).toBeCloseTo(1, 9);
    // Geometric sums: mean over t0..t0+L−1 of a·q^t = a·q^t0·(1 − q^L) / (L·(1 − q)), q = e^−λ.
    const q = Math.exp(-lambda);
    const initialMean = (a * (1 - q ** 30)) / (30 * (1 - q));
    const laterMean = (a * q ** (n - 60) * (1 - q ** 60)) / (60 * (1 - q));
    expect(f.rhoLater).toBeCloseTo(initialMean / laterMean, 9);
    expect(f.signChangeRate).toBe(0);
    // |x_t| < 0.1·initialMean ⇔ t > ln(a / (0.1·initialMean)) / λ.
    const tQuiet = Math.log(a / (0.1 * initialMean)) / lambda;
    const quietInLater = Array.from({ length: 60 }, (_, i) => n - 60 + i).filter(
      (t) => t > tQuiet,
    ).length;
    expect(f.rhoQuiet).toBe(quietInLater / 60);
  });

  it('a series that is exactly zero after step m has a known quiet fraction and ρ_later = ∞', () => {
    const m = 120; // steps 0..119 non-zero, 120..149 zero: 30 of the last 60 are zero.
    const series = Float64Array.from({ length: 150 }, (_, t) => (t < m ? 1 + (t % 3) : 0));
    const f = trajectoryFeatures(series);
    expect(f.rhoQuiet).toBe(30 / 60);
    const partial = trajectoryFeatures(series, { later: { fromEnd: 30 } });
    expect(partial.rhoQuiet).toBe(1);
    expect(partial.rhoLater).toBe(Number.POSITIVE_INFINITY);
  });

  it('honours custom windows and sigmaRel', () => {
    const series = Float64Array.from({ length: 20 }, (_, t) => (t < 10 ? 4 : 1));
    const f = trajectoryFeatures(series, {
      initial: { from: 2, length: 5 },
      later: { fromEnd: 8, length: 4 },
      sigmaRel: 0.3,
    });
    expect(f.initialScale).toBe(4);
    expect(f.laterScale).toBe(1);
    expect(f.rhoLater).toBe(4);
    expect(f.rhoQuiet).toBe(1); // 1 < 0.3·4
  });

  it('counts a pair containing zero as no sign change', () => {
    expect(signChangeRate(Float64Array.from([1, 0, -1, -2, 3]))).toBe(1 / 4);
  });

  it('guards: empty, too short, window too large, zero initial scale, non-finite', () => {
    expect(codeOf(() => trajectoryFeatures(new Float64Array(0)))).toBe('GRADIP_EMPTY_SERIES');
    expect(codeOf(() => trajectoryFeatures(new Float64Array([1])))).toBe('GRADIP_SERIES_TOO_SHORT');
    expect(codeOf(() => trajectoryFeatures(new Float64Array(50).fill(1)))).toBe(
      'GRADIP_WINDOW_TOO_LARGE',
    );
    const zeroStart = Float64Array.from({ length: 150 }, (_, t) => (t < 30 ? 0 : 1));
    expect(codeOf(() => trajectoryFeatures(zeroStart))).toBe('GRADIP_ZERO_SCALE');
    const nan = new Float64Array(150).fill(1);
    nan[77] = Number.NaN;
    expect(codeOf(() => trajectoryFeatures(nan))).toBe('GRADIP_NON_FINITE');
    expect(codeOf(() => trajectoryFeatures(new Float64Array(150).fill(1), { sigmaRel: 0 }))).toBe(
      'GRADIP_INVALID_ARGUMENT',
    );
  });
});
