import type { ConfigIssue } from '@meerkat/trainer';
import { type MeanStd, type WelchTest, welchTTest } from '../stats.js';
import { seriesLabel } from './expand-grid.js';
import type { ComparisonMetric, ExperimentConfig } from './experiment-config.js';
import type { SeriesResult } from './experiment-results.js';

/** One entry of an experiment's `comparisons`. */
export type ComparisonSpec = ExperimentConfig['comparisons'][number];

/** Two series of the grid that a comparison tests against each other. */
export interface ComparisonPair {
  /** Index of the comparison in the experiment file. */
  readonly index: number;
  readonly metric: ComparisonMetric;
  /** Axis values (every axis but `seed`) and label of each side. */
  readonly a: { readonly axes: Readonly<Record<string, unknown>>; readonly series: string };
  readonly b: { readonly axes: Readonly<Record<string, unknown>>; readonly series: string };
}

/** A comparison's outcome: each side's mean ± std over seeds and Welch's t-test. */
export interface ComparisonResult extends ComparisonPair {
  readonly statsA: MeanStd;
  readonly statsB: MeanStd;
  readonly test: WelchTest;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function text(value: unknown): string {
  return JSON.stringify(value);
}

/** Every series of the grid (each combination of the axes other than `seed`), in grid order. */
function gridSeries(grid: ExperimentConfig['grid']): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (key === 'seed') continue;
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

function selectorIssues(
  grid: ExperimentConfig['grid'],
  selector: Readonly<Record<string, unknown>>,
  path: string,
): ConfigIssue[] {
  const axes = Object.keys(grid).filter((k) => k !== 'seed');
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(selector)) {
    if (key === 'seed') {
      issues.push({
        path: `${path}.seed`,
        message:
          'seed is the repetition axis that comparisons average over; select series by the other axes',
      });
    } else if (!(key in grid)) {
      issues.push({
        path: `${path}.${key}`,
        message: `selects no series: '${key}' is not an axis of the grid (axes: ${axes.join(', ') || 'none but seed'})`,
      });
    } else if (!(grid[key] ?? []).some((v) => same(v, value))) {
      issues.push({
        path: `${path}.${key}`,
        message: `selects no series: ${text(value)} is not among the grid's ${key} values (${(grid[key] ?? []).map(text).join(', ')})`,
      });
    }
  }
  return issues;
}

/**
 * The series pairs each comparison tests: every series of the grid whose values match `a`,
 * against the series with the same values except `b`'s (a pair of a series with itself is left
 * out). Throws nothing; `comparisonIssues` reports comparisons that select nothing.
 */
export function comparisonPairs(experiment: Pick<ExperimentConfig, 'grid' | 'comparisons'>) {
  const series = gridSeries(experiment.grid);
  const pairs: ComparisonPair[] = [];
  experiment.comparisons.forEach((comparison, index) => {
    for (const axes of series) {
      const matches = Object.entries(comparison.a).every(([k, v]) => same(axes[k], v));
      if (!matches) continue;
      const partner = { ...axes };
      for (const [k, v] of Object.entries(comparison.b)) if (k in partner) partner[k] = v;
      if (same(partner, axes)) continue;
      if (!series.some((s) => same(s, partner))) continue;
      pairs.push({
        index,
        metric: comparison.metric,
        a: { axes, series: seriesLabel(axes) },
        b: { axes: partner, series: seriesLabel(partner) },
      });
    }
  });
  return pairs;
}

/** Problems with the `comparisons` of an experiment file: selectors that select no series. */
export function comparisonIssues(
  experiment: Pick<ExperimentConfig, 'grid' | 'comparisons'>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pairs = comparisonPairs(experiment);
  experiment.comparisons.forEach((comparison, index) => {
    const own = [
      ...selectorIssues(experiment.grid, comparison.a, `comparisons.${index}.a`),
      ...selectorIssues(experiment.grid, comparison.b, `comparisons.${index}.b`),
    ];
    issues.push(...own);
    if (own.length === 0 && !pairs.some((p) => p.index === index)) {
      issues.push({
        path: `comparisons.${index}`,
        message: `selects no pair of different series: b (${text(comparison.b)}) changes nothing in the series that a (${text(comparison.a)}) selects`,
      });
    }
  });
  return issues;
}

/** Welch's t-test of every comparison pair over the finished cells' per-seed values. */
export function compareSeries(
  experiment: Pick<ExperimentConfig, 'grid' | 'comparisons'>,
  series: readonly SeriesResult[],
): ComparisonResult[] {
  const empty: MeanStd = { mean: Number.NaN, std: Number.NaN, n: 0 };
  const find = (axes: Readonly<Record<string, unknown>>) =>
    series.find(
      (s) =>
        Object.keys(s.axes).length === Object.keys(axes).length &&
        Object.entries(axes).every(([k, v]) => same(s.axes[k], v)),
    );
  return comparisonPairs(experiment).map((pair) => {
    const statsA = find(pair.a.axes)?.[pair.metric] ?? empty;
    const statsB = find(pair.b.axes)?.[pair.metric] ?? empty;
    return { ...pair, statsA, statsB, test: welchTTest(statsA, statsB) };
  });
}
