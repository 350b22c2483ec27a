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
/** The x encoding of rounds: integer ticks only (every round when there are few). */
function roundAxis(rounds: readonly number[]) {
  const max = Math.max(0, ...rounds);
  const min = Math.min(max, ...rounds);
  const values =
    max - min <= 12 ? Array.from({ length: max - min + 1 }, (_, i) => min + i) : undefined;
  return {
    field: 'round',
    type: 'quantitative',
    title: 'round',
    axis: { format: 'd', tickMinStep: 1, ...(values === undefined ? {} : { values }) },
  } as const;
}

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
      encoding: { x: roundAxis(values.map((p) => p.round)) },
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
      encoding: { x: roundAxis(values.map((p) => p.round)) },
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
        x: roundAxis(points.map((p) => p.round)),
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

/** One client's detector features in one run (from RUN_DIR/detection.json). */
export interface DetectorPoint {
  readonly run: string;
  readonly client: string;
  readonly kind: 'extreme' | 'normal';
  readonly flagged: boolean;
  readonly rhoLater: number;
  readonly rhoQuiet: number;
}

/**
 * Meerkat-vp's detector features per client: ρ_later (log x) against ρ_quiet, coloured by the
 * truth, filled when flagged, with the thresholds as rules (flagged when both are exceeded).
 */
export function detectorChart(
  points: readonly DetectorPoint[],
  thresholds: {
    readonly tauLater: number;
    readonly tauQuiet: number;
    readonly combine: 'and' | 'or';
  } | null,
): ChartSpec {
  const kinds = (['extreme', 'normal'] as const).filter((k) => points.some((p) => p.kind === k));
  const xs = points.map((p) => Math.max(p.rhoLater, 1e-3));
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      data: {
        values: points.map((p) => ({
          ...p,
          rhoLaterPlot: Math.max(p.rhoLater, 1e-3),
          state: p.flagged ? 'flagged' : 'not flagged',
        })),
      },
      mark: { type: 'point', size: 90, strokeWidth: 2, opacity: 0.9 },
      encoding: {
        x: {
          field: 'rhoLaterPlot',
          type: 'quantitative',
          title: 'ρ_later = mean|GradIP| early ÷ late (log)',
          scale: { type: 'log' },
          axis: { values: decadeTicks([...xs, thresholds?.tauLater ?? 1]) },
        },
        y: {
          field: 'rhoQuiet',
          type: 'quantitative',
          title: 'ρ_quiet = share of quiet steps',
          scale: { domain: [0, 1] },
        },
        color: {
          field: 'kind',
          type: 'nominal',
          title: 'client data',
          scale: { domain: kinds, range: kinds.map((k) => KIND_COLORS[k]) },
        },
        shape: {
          field: 'state',
          type: 'nominal',
          title: 'detector',
          scale: { domain: ['flagged', 'not flagged'], range: ['diamond', 'circle'] },
        },
        tooltip: [
          { field: 'run', type: 'nominal' },
          { field: 'client', type: 'nominal' },
          { field: 'rhoLater', type: 'quantitative', format: '.3g' },
          { field: 'rhoQuiet', type: 'quantitative', format: '.3g' },
        ],
      },
    },
  ];
  if (thresholds !== null) {
    layers.push(
      {
        data: { values: [{ tau: thresholds.tauLater }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#555555' },
        encoding: { x: { field: 'tau', type: 'quantitative' } },
      },
      {
        data: { values: [{ tau: thresholds.tauQuiet }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#555555' },
        encoding: { y: { field: 'tau', type: 'quantitative' } },
      },
    );
  }
  return {
    id: 'detector',
    title: 'Meerkat-vp detector features per client',
    caption: `Each point is one client of one run after the GradIP calibration phase.${
      thresholds === null
        ? ''
        : ` Dashed lines: the thresholds τ_later = ${thresholds.tauLater} and τ_quiet = ${thresholds.tauQuiet}; a client beyond ${thresholds.combine === 'and' ? 'both' : 'either'} is flagged.`
    }`,
    spec: { $schema: SCHEMA, width: WIDTH, height: HEIGHT, config: CONFIG, layer: layers },
  };
}
