import { describe, expect, it } from 'vitest';
import { detectExtremeClients, detectFromFeatures } from './detector.js';
import { GradipError } from './errors.js';
import type { TrajectoryFeatures } from './trajectory-features.js';

function features(rhoLater: number, rhoQuiet: number): TrajectoryFeatures {
  return {
    length: 150,
    initialScale: 1,
    laterScale: 1 / rhoLater,
    rhoLater,
    sigma: 0.1,
    rhoQuiet,
    signChangeRate: 0.5,
    decay: { slope: 0, intercept: 0, rate: 0, r2: 0 },
  };
}

// The DESIGN.md §6 table, as hand-made feature sets.
const table = {
  'all-spam': features(36.3, 0.95),
  'all-ham': features(16.4, 0.77),
  'mixed-1': features(1.6, 0.25),
  'mixed-2': features(1.7, 0.25),
  'mixed-3': features(2.0, 0.22),
  'mixed-4': features(4.4, 0.57),
  'loud-but-decayed': features(9, 0.5),
  'quiet-but-flat': features(3, 0.8),
};

describe('detectFromFeatures', () => {
  it("flags with the default 'and' rule (τ₁ = 8, τ₂ = 0.7)", () => {
    const result = detectFromFeatures(table);
    const flagged = result.filter((d) => d.flagged).map((d) => d.clientId);
    expect(flagged).toEqual(['all-spam', 'all-ham']);
    const loud = result.find((d) => d.clientId === 'loud-but-decayed')!;
    expect(loud.fired).toEqual(['later-ratio']);
    expect(loud.reason).toMatch(/^not flagged: ρ_later 9 > 8 and ρ_quiet 0.5 ≤ 0.7$/);
    expect(result[0]!.fired).toEqual(['later-ratio', 'quiet-fraction']);
  });

  it("flags either rule with 'or', and honours custom thresholds", () => {
    const or = detectFromFeatures(new Map(Object.entries(table)), { combine: 'or' });
    expect(or.filter((d) => d.flagged).map((d) => d.clientId)).toEqual([
      'all-spam',
      'all-ham',
      'loud-but-decayed',
      'quiet-but-flat',
    ]);
    const strict = detectFromFeatures(table, { tauLater: 20, tauQuiet: 0.9 });
    expect(strict.filter((d) => d.flagged).map((d) => d.clientId)).toEqual(['all-spam']);
  });

  it('rejects invalid thresholds', () => {
    expect(() => detectFromFeatures(table, { tauQuiet: 1 })).toThrow(GradipError);
    expect(() => detectFromFeatures(table, { tauLater: -1 })).toThrow(/tauLater/);
  });
});

describe('detectExtremeClients', () => {
  it('computes features from series and flags the decaying one', () => {
    const decaying = Float64Array.from({ length: 150 }, (_, t) =>
      t % 2 ? -Math.exp(-0.06 * t) : Math.exp(-0.06 * t),
    );
    const oscillating = Float64Array.from({ length: 150 }, (_, t) => Math.sin(1.3 * t) + 0.2);
    const result = detectExtremeClients({ decaying, oscillating });
    expect(result.map((d) => [d.clientId, d.flagged])).toEqual([
      ['decaying', true],
      ['oscillating', false],
    ]);
  });

  it('names the client in errors', () => {
    expect(() => detectExtremeClients({ shorty: new Float64Array(10).fill(1) })).toThrow(
      /client 'shorty'/,
    );
  });
});
