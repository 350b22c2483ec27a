import { describe, expect, it } from 'vitest';
import { bits } from '../test/bits.js';
import {
  estimateProjectedGradient,
  fillDirection,
  resolveEstimateOptions,
  type ZoError,
} from './index.js';

/** f(θ) = ½‖A(θ − a)‖², with its analytic gradient AᵀA(θ − a). Evaluated in float64. */
function quadratic(dim: number) {
  const A = new Float64Array(dim * dim);
  const a = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    a[i] = Math.sin(i + 1);
    for (let j = 0; j < dim; j++) A[i * dim + j] = (i === j ? 2 : 0) + 0.3 * Math.cos(i * 7 + j);
  }
  const residual = (theta: Float32Array) => {
    const r = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += A[i * dim + j]! * (theta[j]! - a[j]!);
      r[i] = s;
    }
    return r;
  };
  const loss = (theta: Float32Array) => {
    let s = 0;
    for (const v of residual(theta)) s += v * v;
    return s / 2;
  };
  const gradient = (theta: Float32Array) => {
    const r = residual(theta);
    const g = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += A[i * dim + j]! * r[i]!;
      g[j] = s;
    }
    return g;
  };
  return { loss, gradient };
}

describe('estimateProjectedGradient', () => {
  const dim = 8;
  const { loss, gradient } = quadratic(dim);
  const theta0 = Float32Array.from({ length: dim }, (_, i) => 0.5 - i / dim);
  const trueGradient = gradient(theta0);
  const gradNormSq = trueGradient.reduce((s, v) => s + v * v, 0);

  it.each([
    ['gaussian', 'two-point', 1],
    ['gaussian', 'one-sided', 1],
    ['rademacher', 'two-point', 1],
    ['gaussian', 'two-point', 4],
  ] as const)(
    'mean of g·z over many seeds approaches the analytic gradient (%s, %s, n=%i)',
    async (distribution, scheme, directions) => {
      const options = resolveEstimateOptions({ eps: 1e-2, distribution, scheme, directions });
      const trials = 4000;
      const sum = new Float64Array(dim);
      const z = new Float32Array(dim);
      const theta = Float32Array.from(theta0);
      for (let t = 0; t < trials; t++) {
        const seed = BigInt(t) * 7919n + 13n;
        const { gs } = await estimateProjectedGradient(theta, loss, seed, options);
        // The n-direction estimate of ∇ is (1/n) Σₛ gₛ zₛ.
        for (let s = 0; s < directions; s++) {
          fillDirection(seed, z, { stream: s, distribution });
          for (let i = 0; i < dim; i++) sum[i]! += (gs[s]! * z[i]!) / directions;
        }
      }
      for (let i = 0; i < dim; i++) {
        const estimate = sum[i]! / trials;
        // Per-trial variance of (zᵀ∇)zᵢ: Gaussian ‖∇‖² + ∇ᵢ², Rademacher ‖∇‖² − ∇ᵢ².
        // Averaging n independent directions divides it by n.
        const perTrial =
          distribution === 'gaussian'
            ? gradNormSq + trueGradient[i]! ** 2
            : gradNormSq - trueGradient[i]! ** 2;
        const se = Math.sqrt(perTrial / (directions * trials));
        expect(Math.abs(estimate - trueGradient[i]!)).toBeLessThan(5 * se + 1e-3);
      }
    },
  );

  it('evaluates in MeZO order (+εz, then −εz) and restores θ bit for bit', async () => {
    const theta = Float32Array.from(theta0);
    const before = bits(theta);
    const seen: Float32Array[] = [];
    const eps = 1e-3;
    await estimateProjectedGradient(
      theta,
      (t) => {
        seen.push(Float32Array.from(t));
        return loss(t);
      },
      77n,
      resolveEstimateOptions({ eps }),
    );
    expect(bits(theta)).toEqual(before);
    const z = fillDirection(77n, new Float32Array(dim));
    const plus = Float32Array.from(theta0, (v, i) => v + eps * z[i]!);
    const minus = Float32Array.from(plus, (v, i) => v - 2 * eps * z[i]!);
    expect(seen).toHaveLength(2);
    expect(bits(seen[0]!)).toEqual(bits(plus));
    expect(bits(seen[1]!)).toEqual(bits(minus));
  });

  it('restores θ bit for bit when the objective throws or returns NaN', async () => {
    const theta = Float32Array.from(theta0);
    const before = bits(theta);
    let calls = 0;
    await expect(
      estimateProjectedGradient(
        theta,
        () => {
          calls++;
          if (calls === 2) throw new Error('device lost');
          return 1;
        },
        3n,
        resolveEstimateOptions({}),
      ),
    ).rejects.toThrow('device lost');
    expect(bits(theta)).toEqual(before);
    const error = await estimateProjectedGradient(
      theta,
      () => Number.NaN,
      3n,
      resolveEstimateOptions({}),
    ).catch((e: ZoError) => e);
    expect((error as ZoError).code).toBe('ZO_NON_FINITE_LOSS');
    expect(bits(theta)).toEqual(before);
  });

  it('counts forward passes per scheme', async () => {
    const theta = Float32Array.from(theta0);
    const two = await estimateProjectedGradient(
      theta,
      loss,
      1n,
      resolveEstimateOptions({ directions: 3 }),
    );
    const one = await estimateProjectedGradient(
      theta,
      loss,
      1n,
      resolveEstimateOptions({ directions: 3, scheme: 'one-sided' }),
    );
    expect(two.forwardPasses).toBe(6);
    expect(one.forwardPasses).toBe(4);
  });

  it('validates its options', () => {
    expect(() => resolveEstimateOptions({ eps: 0 })).toThrow(/eps/);
    expect(() => resolveEstimateOptions({ eps: Number.NaN })).toThrow(/eps/);
    expect(() => resolveEstimateOptions({ directions: 0 })).toThrow(/directions/);
    expect(() =>
      resolveEstimateOptions({ scheme: 'three-point' as unknown as 'two-point' }),
    ).toThrow(/scheme/);
  });
});
