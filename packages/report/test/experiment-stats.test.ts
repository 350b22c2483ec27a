import { describe, expect, it } from 'vitest';
import { compareSeries, comparisonPairs } from '../src/experiment/comparisons.js';
import { parseExperimentConfig } from '../src/experiment/experiment-config.js';
import type { SeriesResult } from '../src/experiment/experiment-results.js';
import { resultsMarkdown } from '../src/experiment/results-markdown.js';
import {
  logGamma,
  type MeanStd,
  meanStd,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTwoSidedP,
  welchTTest,
} from '../src/stats.js';

/**
 * P(|T| ≥ t) by numerical integration of the (unnormalised) t density, without any gamma
 * function: with t = tan θ the density's mass on (−∞, ∞) is ∫ (1 + tan²θ/ν)^(−(ν+1)/2) sec²θ dθ
 * over (−π/2, π/2), whose integrand is cos^(ν−1)θ / (cos²θ + sin²θ/ν)^((ν+1)/2) (smooth enough
 * at π/2 for Simpson's rule to reach 1e-10 when ν ≥ 3).
 * Composite Simpson on 20,000 intervals.
 */
function integratedTwoSidedP(t: number, nu: number): number {
  const g = (theta: number) => {
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    return c ** (nu - 1) / (c * c + (s * s) / nu) ** ((nu + 1) / 2);
  };
  const simpson = (a: number, b: number, n = 20_000) => {
    const h = (b - a) / n;
    let sum = g(a) + g(b);
    for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * g(a + i * h);
    return (sum * h) / 3;
  };
  const cut = Math.atan(t);
  const inside = simpson(0, cut);
  const whole = simpson(0, Math.PI / 2);
  return 1 - inside / whole;
}

describe('Student t distribution', () => {
  it('matches scipy.stats.t (2·sf) at known points', () => {
    // scipy 1.17: 2 * t.sf(2, 5), 2 * t.sf(1, 10), 2 * t.sf(3.5, 3.2), …
    expect(studentTTwoSidedP(2, 5)).toBeCloseTo(0.10193947882985835, 12);
    expect(studentTTwoSidedP(1, 10)).toBeCloseTo(0.34089313230206, 12);
    expect(studentTTwoSidedP(3.5, 3.2)).toBeCloseTo(0.03565266267641809, 12);
    expect(studentTTwoSidedP(0.5, 30)).toBeCloseTo(0.6207230048851272, 12);
    expect(studentTTwoSidedP(10, 2.5)).toBeCloseTo(0.0044414957673074235, 12);
    expect(studentTTwoSidedP(1e-3, 7)).toBeCloseTo(0.9992300172449988, 12);
    expect(studentTTwoSidedP(1.5, 200)).toBeCloseTo(0.1351913212270349, 12);
    expect(studentTTwoSidedP(2, 0.6)).toBeCloseTo(0.4035844840940451, 12);
    expect(studentTTwoSidedP(50, 4) / 9.57445365696969e-7).toBeCloseTo(1, 10);
  });

  it('agrees with numerical integration of the t density (t = 3.5, df = 3.2 and others)', () => {
    for (const [t, nu] of [
      [3.5, 3.2],
      [2, 5],
      [0.7, 6.5],
      [4, 12.5],
    ] as const) {
      expect(studentTTwoSidedP(t, nu)).toBeCloseTo(integratedTwoSidedP(t, nu), 9);
    }
  });

  it('matches the closed forms for df = 1 (Cauchy) and df = 2', () => {
    for (const t of [0, 0.3, 1, 2.5, 40]) {
      expect(studentTTwoSidedP(t, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(t), 13);
      expect(studentTTwoSidedP(t, 2)).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 13);
    }
  });

  it('has a symmetric CDF with the right tails', () => {
    expect(studentTCdf(0, 4)).toBeCloseTo(0.5, 14);
    expect(studentTCdf(2, 5)).toBeCloseTo(1 - 0.10193947882985835 / 2, 12);
    expect(studentTCdf(-2, 5)).toBeCloseTo(0.10193947882985835 / 2, 12);
    expect(studentTTwoSidedP(-2, 5)).toBe(studentTTwoSidedP(2, 5));
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(studentTTwoSidedP(1, 0)).toBeNaN();
  });

  it('builds on a correct ln Γ and incomplete beta', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedIncompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 14);
    expect(regularizedIncompleteBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 14);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('welchTTest', () => {
  it('computes t, the Welch–Satterthwaite df and p on two small samples', () => {
    // a = [1, 2, 3, 4]: mean 2.5, s² = 5/3; b = [2, 4, 6]: mean 4, s² = 4.
    // s_a²/n_a = 5/12, s_b²/n_b = 4/3, sum 7/4: t = −1.5 / √(7/4) = −3/√7;
    // df = (7/4)² / ((5/12)²/3 + (4/3)²/2) = (49/16) / (409/432) = 21168/6544.
    const test = welchTTest(meanStd([1, 2, 3, 4]), meanStd([2, 4, 6]));
    expect(test.difference).toBeCloseTo(-1.5, 14);
    expect(test.t).toBeCloseTo(-3 / Math.sqrt(7), 13);
    expect(test.df).toBeCloseTo(21168 / 6544, 12);
    // scipy.stats.ttest_ind([1,2,3,4], [2,4,6], equal_var=False).pvalue
    expect(test.p).toBeCloseTo(0.33382370007750106, 11);
    expect(test.note).toBeNull();
  });

  it('gives no p (never NaN) with fewer than 2 values in a group or zero spread', () => {
    const one = welchTTest(meanStd([1, 2, 3]), meanStd([5]));
    expect(one).toMatchObject({ t: null, df: null, p: null });
    expect(one.difference).toBe(-3);
    expect(one.note).toMatch(/at least 2 values in each group \(n = 3 and 1\)/);
    const none = welchTTest(meanStd([]), meanStd([1, 2]));
    expect(none.p).toBeNull();
    expect(none.difference).toBeNaN();
    const flat = welchTTest(meanStd([2, 2, 2]), meanStd([3, 3]));
    expect(flat.p).toBeNull();
    expect(flat.note).toMatch(/zero spread/);
    // One group flat: df = n_other − 1.
    const half = welchTTest(meanStd([2, 2, 2]), meanStd([1, 3, 5]));
    expect(half.df).toBeCloseTo(2, 12);
  });
});

const GRID = { method: ['meerkat', 'full-zo'], localSteps: [1, 10], seed: [0, 1, 2] };

describe('experiment comparisons', () => {
  it('pairs every series matching a with the one that differs by b', () => {
    const experiment = parseExperimentConfig({
      name: 'x',
      base: {},
      grid: GRID,
      comparisons: [
        { a: { method: 'meerkat' }, b: { method: 'full-zo' }, metric: 'finalLoss' },
        { a: { localSteps: 1 }, b: { localSteps: 10 }, metric: 'finalAccuracy' },
        {
          a: { method: 'meerkat', localSteps: 1 },
          b: { method: 'full-zo' },
          metric: 'finalLoss',
        },
      ],
    });
    const pairs = comparisonPairs(experiment).map(
      (p) => `${p.index}: ${p.a.series} vs ${p.b.series}`,
    );
    expect(pairs).toEqual([
      '0: meerkat T=1 vs full-zo T=1',
      '0: meerkat T=10 vs full-zo T=10',
      '1: meerkat T=1 vs meerkat T=10',
      '1: full-zo T=1 vs full-zo T=10',
      '2: meerkat T=1 vs full-zo T=1',
    ]);
  });

  it('refuses, at load time, comparisons that select no series', () => {
    const load = (comparisons: unknown) => () =>
      parseExperimentConfig({ name: 'x', base: {}, grid: GRID, comparisons }, 'x.json');
    expect(
      load([{ a: { method: 'meerkat' }, b: { method: 'fullzo' }, metric: 'finalLoss' }]),
    ).toThrowError(
      /x\.json: comparisons must each select series of the grid \(1 problem\):\n {2}comparisons\.0\.b\.method: selects no series: "fullzo" is not among the grid's method values \("meerkat", "full-zo"\)/,
    );
    expect(load([{ a: { lr: 0.1 }, b: { method: 'full-zo' }, metric: 'finalLoss' }])).toThrowError(
      /comparisons\.0\.a\.lr: selects no series: 'lr' is not an axis of the grid/,
    );
    expect(load([{ a: { seed: 0 }, b: { seed: 1 }, metric: 'finalLoss' }])).toThrowError(
      /seed is the repetition axis/,
    );
    expect(
      load([{ a: { method: 'meerkat' }, b: { method: 'meerkat' }, metric: 'finalLoss' }]),
    ).toThrowError(/comparisons\.0: selects no pair of different series/);
    expect(
      load([{ a: { method: 'meerkat' }, b: { method: 'full-zo' }, metric: 'accuracy' }]),
    ).toThrowError(/comparisons\.0\.metric/);
    let caught: unknown;
    try {
      load([
        { a: { method: 'x' }, b: { method: 'y' }, metric: 'finalLoss' },
        { a: {}, b: { localSteps: 5 }, metric: 'finalLoss' },
      ])();
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'MEERKAT_CONFIG_INVALID' });
    expect((caught as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      'comparisons.0.a.method',
      'comparisons.0.b.method',
      'comparisons.1.b.localSteps',
    ]);
  });

  it('writes a Comparisons table with mean ± std, difference, t, df and p; – with a note for n < 2', () => {
    const experiment = parseExperimentConfig({
      name: 'x',
      base: {},
      grid: GRID,
      comparisons: [
        { a: { method: 'meerkat' }, b: { method: 'full-zo' }, metric: 'finalLoss' },
        { a: { method: 'meerkat' }, b: { method: 'full-zo' }, metric: 'finalAccuracy' },
      ],
    });
    const none: MeanStd = { mean: Number.NaN, std: Number.NaN, n: 0 };
    const series = (
      method: string,
      localSteps: number,
      loss: number[],
      acc: number[],
    ): SeriesResult => ({
      series: `${method} T=${localSteps}`,
      axes: { method, localSteps },
      seeds: loss.map((_, i) => i),
      finalAccuracy: meanStd(acc),
      finalLoss: meanStd(loss),
      initialAccuracy: meanStd(acc),
      initialPerplexity: none,
      finalPerplexity: none,
      bytesPerClient: meanStd(loss.map(() => 1024)),
      bytesUpPerClient: meanStd(loss.map(() => 512)),
      forwardPasses: meanStd(loss.map(() => 10)),
      forwardPassesPerClient: meanStd(loss.map(() => 5)),
      seconds: meanStd(loss.map(() => 3)),
      rounds: [2, 2],
      localSteps: [localSteps, localSteps],
      detection: null,
    });
    const results = [
      series('meerkat', 1, [1, 2, 3, 4], [0.7, 0.72, 0.71, 0.69]),
      series('meerkat', 10, [0.5], [0.7]),
      series('full-zo', 1, [2, 4, 6], [0.6, 0.65, 0.62]),
      series('full-zo', 10, [0.6, 0.7], [0.7, 0.7]),
    ];
    const comparisons = compareSeries(experiment, results);
    expect(comparisons).toHaveLength(4);
    expect(comparisons[0]?.test.t).toBeCloseTo(-3 / Math.sqrt(7), 13);
    const md = resultsMarkdown({
      name: 'x',
      description: '',
      command: 'meerkat experiment x.json',
      series: results,
      finishedCells: 10,
      totalCells: 12,
      runSeconds: 30,
      comparisons,
    });
    expect(md).toContain('### Comparisons (Welch’s t-test)');
    expect(md).toContain(
      '| a | b | metric | a: mean ± std | b: mean ± std | a − b | Welch t | df | p (two-sided) |',
    );
    expect(md).toContain(
      '| meerkat T=1 | full-zo T=1 | final loss | 2.5 ± 1.291 (n = 4) | 4 ± 2 (n = 3) | −1.5 | −1.134 | 3.23 | 0.334 |',
    );
    expect(md).toContain('| meerkat T=10 | full-zo T=10 | final loss | 0.5 (n = 1) |');
    expect(md).toContain(
      '- p is – for meerkat T=10 vs full-zo T=10 (final loss): needs at least 2 values in each group (n = 1 and 2).',
    );
    expect(md).toContain(
      '| meerkat T=1 | full-zo T=1 | final acc. % | 70.5 ± 1.3 (n = 4) | 62.3 ± 2.5 (n = 3) | +8.2 | 5.137 | 2.79 | 0.017 |',
    );
    expect(md).not.toContain('NaN');
  });
});
