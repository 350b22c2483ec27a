import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint, GradipPoint } from './report-data.js';

/** A chart of the report: its id (the `data-chart` attribute), title and Vega-Lite spec. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

const WIDTH = 560;
const HEIGHT = 280;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#cccccc' },
} as const;

const seriesColor = { field: 'series', type: 'nominal', title: 'method' } as const;
const bandFill = { field: 'series', type: 'nominal', legend: null } as const;
const roundAxis = {
  field: 'round',
  type: 'quantitative',
  title: 'round',
  axis: { tickMinStep: 1, format: 'd' },
} as const;

/** Powers of ten covering [min, max] (tick values for a log axis), at least two of them. */
export function decadeTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [1, 10];
  let lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  if (hi === lo) lo -= 1;
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return ticks;
}

/** Accuracy (mean line, ±1 std band over seeds) against rounds. */
export function accuracyByRoundChart(points: readonly CurvePoint[]): ChartSpec {
  const values = points.filter((p) => p.accuracy !== null);
  return {
    id: 'accuracy-rounds',
    title: 'Test accuracy by round',
    caption:
      'Mean over the runs of each method (seeds); the band is ± one standard deviation. Round 0 is the initial model.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: values.map((p) => ({ ...p })) },
      encoding: { x: roundAxis },
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          encoding: {
            fill: bandFill,
            y: { field: 'accuracyLow', type: 'quantitative', title: 'test accuracy' },
            y2: { field: 'accuracyHigh' },
          },
        },
        {
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            color: seriesColor,
            y: {
              field: 'accuracy',
              type: 'quantitative',
              title: 'test accuracy',
              axis: { format: '.0%' },
              scale: { zero: false },
            },
          },
        },
      ],
    },
  };
}

/** Test loss (mean ± std band) against rounds: at this scale loss moves before accuracy does. */
export function lossByRoundChart(points: readonly CurvePoint[]): ChartSpec {
  const values = points.filter((p) => p.loss !== null);
  return {
    id: 'loss-rounds',
    title: 'Test loss by round',
    caption: 'Mean test loss (± one standard deviation over seeds).',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: values.map((p) => ({ ...p })) },
      encoding: { x: roundAxis },
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          encoding: {
            fill: bandFill,
            y: { field: 'lossLow', type: 'quantitative', title: 'test loss' },
            y2: { field: 'lossHigh' },
          },
        },
        {
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            color: seriesColor,
            y: {
              field: 'loss',
              type: 'quantitative',
              title: 'test loss',
              scale: { zero: false },
            },
          },
        },
      ],
    },
  };
}

/** Accuracy against cumulative bytes per client (log x): what the communication bought. */
export function accuracyByBytesChart(points: readonly CurvePoint[]): ChartSpec {
  const values = points.filter((p) => p.accuracy !== null && p.cumulativeBytesPerClient > 0);
  return {
    id: 'accuracy-bytes',
    title: 'Test accuracy against communication',
    caption:
      'Cumulative bytes per client (uplink + downlink, log scale) against mean test accuracy.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: values.map((p) => ({ ...p })) },
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'cumulativeBytesPerClient',
          type: 'quantitative',
          title: 'cumulative bytes per client (log)',
          scale: { type: 'log' },
          axis: {
            format: '~s',
            values: decadeTicks(values.map((p) => p.cumulativeBytesPerClient)),
          },
        },
        y: {
          field: 'accuracy',
          type: 'quantitative',
          title: 'test accuracy',
          axis: { format: '.0%' },
          scale: { zero: false },
        },
        color: seriesColor,
        order: { field: 'round', type: 'quantitative' },
      },
    },
  };
}

const KIND_COLORS = { extreme: '#d62728', normal: '#1f77b4', unknown: '#999999' } as const;

/** |GradIP| per client against rounds (log y), coloured by partition kind. */
export function gradipChart(points: readonly GradipPoint[]): ChartSpec {
  const kinds = (['extreme', 'normal', 'unknown'] as const).filter((k) =>
    points.some((p) => p.kind === k),
  );
  return {
    id: 'gradip',
    title: 'GradIP trajectories per client',
    caption:
      '|GradIP| of each client (log scale), one line per client and run, coloured by how the client’s data was partitioned: extreme = single-label, normal = mixed.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p })) },
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.4, opacity: 0.75 },
      encoding: {
        x: roundAxis,
        y: {
          field: 'absGradip',
          type: 'quantitative',
          title: '|GradIP| (log)',
          scale: { type: 'log' },
          axis: { format: '.0e', values: decadeTicks(points.map((p) => p.absGradip)) },
        },
        color: {
          field: 'kind',
          type: 'nominal',
          title: 'client data',
          scale: { domain: kinds, range: kinds.map((k) => KIND_COLORS[k]) },
        },
        detail: { field: 'trace', type: 'nominal' },
        tooltip: [
          { field: 'trace', type: 'nominal' },
          { field: 'round', type: 'quantitative' },
          { field: 'absGradip', type: 'quantitative', format: '.3e' },
        ],
      },
    },
  };
}
