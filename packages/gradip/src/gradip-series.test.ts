import {
  applyStep,
  deriveSeed,
  fillDirection,
  type StepRecord,
  ZoError,
} from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { GradipError } from './errors.js';
import { gradipSeries } from './gradip-series.js';

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

/**
 * Brute force: materialise every direction, form the update direction (1/n) Σ_s g_s z_s in
 * float64, then dot with ḡ_pre in float64.
 */
function bruteForce(
  steps: readonly StepRecord[],
  gPre: Float32Array,
  directions: number,
  distribution: 'gaussian' | 'rademacher',
): number[] {
  return steps.map((step) => {
    const scalars = step.gs ?? [step.g];
    const mean = new Float64Array(gPre.length);
    for (let s = 0; s < directions; s++) {
      const z = fillDirection(step.seed, new Float32Array(gPre.length), {
        stream: s,
        distribution,
      });
      for (let i = 0; i < z.length; i++) mean[i] = mean[i]! + (scalars[s]! * z[i]!) / directions;
    }
    let dot = 0;
    for (let i = 0; i < gPre.length; i++) dot += gPre[i]! * mean[i]!;
    return dot;
  });
}

function makeSteps(n: number, directions = 1): StepRecord[] {
  return Array.from({ length: n }, (_, t) => {
    const seed = deriveSeed(7n, 0, 'client-a', t);
    if (directions === 1) return { seed, g: Math.sin(t + 1) * 3 };
    const gs = Array.from({ length: directions }, (_, s) => Math.sin(t + 1 + s) * 3);
    return { seed, g: gs.reduce((a, b) => a + b, 0) / directions, gs };
  });
}

describe('gradipSeries', () => {
  for (const distribution of ['gaussian', 'rademacher'] as const) {
    for (const directions of [1, 3]) {
      it(`matches the brute-force reference (${distribution}, ${directions} direction(s))`, () => {
        const gPre = randomGPre(1003, 11);
        const steps = makeSteps(12, directions);
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

  it('equals ⟨ḡ_pre, −Δθ/η⟩ of the update applyStep makes', () => {
    const gPre = randomGPre(300, 5);
    for (const step of makeSteps(4, 2)) {
      const theta = applyStep(new Float32Array(300), step, { lr: 1, directions: 2 });
      let expected = 0;
      for (let i = 0; i < 300; i++) expected -= gPre[i]! * theta[i]!;
      const [value] = gradipSeries([step], gPre, { directions: 2 });
      // θ is float32, so the reference carries float32 rounding of each coordinate.
      expect(Math.abs(value! - expected)).toBeLessThan(1e-5 * (1 + Math.abs(expected)));
    }
  });

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

  it("keeps zo-estimator's error as the cause of a translated error", () => {
    const gPre = new Float32Array(8).fill(1);
    let caught: unknown;
    try {
      gradipSeries([{ seed: 1n, g: Number.POSITIVE_INFINITY }], gPre);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GradipError);
    expect((caught as GradipError).code).toBe('GRADIP_NON_FINITE');
    expect((caught as GradipError).cause).toBeInstanceOf(ZoError);
    expect((caught as GradipError).message).toMatch(/drop skipped steps/);
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
    expect(codeOf(() => gradipSeries([{ seed: 1n, g: 1 }], gPre, { directions: 2 }))).toBe(
      'GRADIP_LENGTH_MISMATCH',
    );
    expect(
      codeOf(() =>
        gradipSeries([{ seed: 1n, g: 1, gs: [1, Number.NaN] }], gPre, { directions: 2 }),
      ),
    ).toBe('GRADIP_NON_FINITE');
  });
});
