import { deriveSeed, fillDirection, type StepRecord } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { GradipError } from './errors.js';
import { gradipSeries, projectDirection, resolveGradipSeriesOptions } from './gradip-series.js';

function randomGPre(k: number, seed: number): Float32Array {
  // A simple LCG, independent of the Philox stream under test.
  const out = new Float32Array(k);
  let s = seed >>> 0;
  for (let i = 0; i < k; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Brute force: materialise every direction, average them in float64, then dot in float64. */
function bruteForce(
  steps: readonly StepRecord[],
  gPre: Float32Array,
  directions: number,
  distribution: 'gaussian' | 'rademacher',
): number[] {
  return steps.map((step) => {
    const mean = new Float64Array(gPre.length);
    for (let s = 0; s < directions; s++) {
      const z = fillDirection(step.seed, new Float32Array(gPre.length), {
        stream: s,
        distribution,
      });
      for (let i = 0; i < z.length; i++) mean[i] = mean[i]! + z[i]! / directions;
    }
    let dot = 0;
    for (let i = 0; i < gPre.length; i++) dot += gPre[i]! * mean[i]!;
    return step.g * dot;
  });
}

function makeSteps(n: number): StepRecord[] {
  return Array.from({ length: n }, (_, t) => ({
    seed: deriveSeed(7n, 0, 'client-a', t),
    g: Math.sin(t + 1) * 3,
  }));
}

describe('gradipSeries', () => {
  for (const distribution of ['gaussian', 'rademacher'] as const) {
    for (const directions of [1, 3]) {
      it(`matches the brute-force reference (${distribution}, ${directions} direction(s))`, () => {
        const gPre = randomGPre(1003, 11);
        const steps = makeSteps(12);
        const series = gradipSeries(steps, gPre, { directions, distribution });
        const reference = bruteForce(steps, gPre, directions, distribution);
        expect(series).toBeInstanceOf(Float64Array);
        expect(series.length).toBe(12);
        for (let t = 0; t < 12; t++) {
          expect(Math.abs(series[t]! - reference[t]!)).toBeLessThan(
            1e-9 * (1 + Math.abs(reference[t]!)),
          );
        }
      });
    }
  }

  it('reduces to g · z_j for a one-hot ḡ_pre', () => {
    const gPre = new Float32Array(10);
    gPre[4] = 1;
    const steps = makeSteps(5);
    const series = gradipSeries(steps, gPre);
    for (let t = 0; t < 5; t++) {
      const z = fillDirection(steps[t]!.seed, new Float32Array(10));
      expect(series[t]).toBe(steps[t]!.g * z[4]!);
    }
  });

  it('returns an empty series for no steps', () => {
    expect(gradipSeries([], new Float32Array(4).fill(1)).length).toBe(0);
  });

  it('rejects bad input with typed errors', () => {
    const gPre = new Float32Array(8).fill(1);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof GradipError ? error.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => gradipSeries([{ seed: 1n, g: Number.NaN }], gPre))).toBe(
      'GRADIP_NON_FINITE',
    );
    const bad = new Float32Array(8);
    bad[3] = Number.POSITIVE_INFINITY;
    expect(codeOf(() => gradipSeries([], bad))).toBe('GRADIP_NON_FINITE');
    expect(codeOf(() => gradipSeries([], new Float32Array(0)))).toBe('GRADIP_INVALID_ARGUMENT');
    expect(codeOf(() => gradipSeries([], gPre, { directions: 0 }))).toBe('GRADIP_INVALID_ARGUMENT');
    expect(codeOf(() => gradipSeries([{ seed: 1n, g: 1 }], gPre, {}, new Float32Array(7)))).toBe(
      'GRADIP_LENGTH_MISMATCH',
    );
    expect(
      codeOf(() => projectDirection(1n, gPre, resolveGradipSeriesOptions(), new Float32Array(9))),
    ).toBe('GRADIP_LENGTH_MISMATCH');
  });
});
