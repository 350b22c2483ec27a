import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint, GradipPoint, GradipStepPoint, StepWindowBand } from './report-data.js';

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

/** A horizontal reference line: a figure the curves are judged against (e.g. the majority rate). */
export interface ReferenceLine {
  readonly label: string;
  readonly value: number;
}

/** One layer of a layered chart. */
type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Dashed grey rules with their labels at the right edge (none when there are no references). */
function referenceLayers(references: readonly ReferenceLine[], format: string): Layer[] {
  if (references.length === 0) return [];
  const data = { values: references.map((r) => ({ ...r })) };
  return [
    {
      data,
      mark: { type: 'rule', strokeDash: [6, 4], color: '#777777' },
      encoding: { y: { field: 'value', type: 'quantitative' } },
    },
    {
      data,
      mark: { type: 'text', align: 'right', dy: -6, x: 'width', color: '#555555', fontSize: 11 },
      encoding: {
        y: { field: 'value', type: 'quantitative' },
        text: { field: 'text', type: 'nominal' },
      },
      transform: [
        { calculate: `datum.label + ' ' + format(datum.value, '${format}')`, as: 'text' },
      ],
    },
  ];
}

function referenceCaption(references: readonly ReferenceLine[]): string {
  return references.length === 0
    ? ''
    : ` Dashed lines: ${references.map((r) => r.label).join(', ')}.`;
}

/** A metric of the curves drawn against rounds: its field (with `Low`/`High` band fields). */
type RoundMetric = 'accuracy' | 'loss' | 'perplexity';

/**
 * The by-round chart of one metric: the mean line per series, a ± one-std band over seeds, and
 * dashed reference lines.
 */
function metricByRoundChart(
  points: readonly CurvePoint[],
  metric: RoundMetric,
  text: { id: string; title: string; caption: string; axisTitle: string; axisFormat?: string },
  references: readonly ReferenceLine[],
  referenceFormat: string,
): ChartSpec {
  const values = points.filter((p) => p[metric] !== null);
  return {
    id: text.id,
    title: text.title,
    caption: `${text.caption}${referenceCaption(references)}`,
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
            y: { field: `${metric}Low`, type: 'quantitative', title: text.axisTitle },
            y2: { field: `${metric}High` },
          },
        },
        {
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            color: seriesColor,
            y: {
              field: metric,
              type: 'quantitative',
              title: text.axisTitle,
              ...(text.axisFormat === undefined ? {} : { axis: { format: text.axisFormat } }),
              scale: { zero: false },
            },
          },
        },
        ...referenceLayers(references, referenceFormat),
      ],
    },
  };
}

/** The |GradIP| axis of the GradIP charts: log scale, ticks at powers of ten. */
function absGradipAxis(points: readonly { readonly absGradip: number }[]) {
  return {
    field: 'absGradip',
    type: 'quantitative',
    title: '|GradIP| (log)',
    scale: { type: 'log' },
    axis: { format: '.0e', values: decadeTicks(points.map((p) => p.absGradip)) },
  } as const;
}

const KIND_COLORS = { extreme: '#d62728', normal: '#1f77b4', unknown: '#999999' } as const;
type KindName = keyof typeof KIND_COLORS;

/** The client kinds present among `points`, in a fixed order. */
function presentKinds(points: readonly { readonly kind: string }[]): KindName[] {
  return (['extreme', 'normal', 'unknown'] as const).filter((k) =>
    points.some((p) => p.kind === k),
  );
}

/** Colour by client kind (extreme / normal), the same colours in every GradIP chart. */
function kindColor(kinds: readonly KindName[]) {
  return {
    field: 'kind',
    type: 'nominal',
    title: 'client data',
    scale: { domain: [...kinds], range: kinds.map((k) => KIND_COLORS[k]) },
  } as const;
}

/** Accuracy (mean line, ±1 std band over seeds) against rounds, with optional reference lines. */
export function accuracyByRoundChart(
  points: readonly CurvePoint[],
  references: readonly ReferenceLine[] = [],
): ChartSpec {
  return metricByRoundChart(
    points,
    'accuracy',
    {
      id: 'accuracy-rounds',
      title: 'Test accuracy by round',
      caption:
        'Mean over the runs of each method (seeds); the band is ± one standard deviation. Round 0 is the initial model.',
      axisTitle: 'test accuracy',
      axisFormat: '.0%',
    },
    references,
    '.1%',
  );
}

/** Test loss (mean ± std band) against rounds: at this scale loss moves before accuracy does. */
export function lossByRoundChart(
  points: readonly CurvePoint[],
  references: readonly ReferenceLine[] = [],
): ChartSpec {
  return metricByRoundChart(
    points,
    'loss',
    {
      id: 'loss-rounds',
      title: 'Test loss by round',
      caption: 'Mean test loss (± one standard deviation over seeds).',
      axisTitle: 'test loss',
    },
    references,
    '.3f',
  );
}

/** Held-out perplexity (mean ± std band) against rounds: the causal-lm task's metric. */
export function perplexityByRoundChart(points: readonly CurvePoint[]): ChartSpec {
  return metricByRoundChart(
    points,
    'perplexity',
    {
      id: 'perplexity-rounds',
      title: 'Held-out perplexity by round',
      caption:
        'Perplexity exp(mean next-token NLL) on the held-out text (± one standard deviation over seeds); round 0 is the initial model.',
      axisTitle: 'held-out perplexity',
    },
    [],
    '.2f',
  );
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

/**
 * |GradIP| per client against rounds (log y), coloured by partition kind: the mean over each
 * round's local steps, for runs without a per-step series (`gradipStepsChart`).
 */
export function gradipChart(points: readonly GradipPoint[]): ChartSpec {
  const kinds = presentKinds(points);
  return {
    id: 'gradip',
    title: 'GradIP trajectories per client',
    caption:
      'Mean |GradIP| over each round’s local steps of each client (log scale), one line per client and run, coloured by how the client’s data was partitioned: extreme = single-label, normal = mixed. Runs with a per-step series (gradip.json) are drawn per step instead.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p })) },
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.4, opacity: 0.75 },
      encoding: {
        x: roundAxis(points.map((p) => p.round)),
        y: absGradipAxis(points),
        color: kindColor(kinds),
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

/**
 * |GradIP| of every local step of each client's calibration path (log y; RUN_DIR/gradip.json), one
 * line per client and run, coloured by partition kind, thick when the detector flagged the
 * client; the detector's initial and later windows are shaded behind the lines.
 */
export function gradipStepsChart(
  points: readonly GradipStepPoint[],
  windows: readonly StepWindowBand[],
): ChartSpec {
  const kinds = presentKinds(points);
  const verdicts = (['flagged', 'not flagged'] as const).filter((v) =>
    points.some((p) => p.verdict === v),
  );
  const steps = points.map((p) => p.step);
  const maxStep = Math.max(1, ...steps);
  const scale = { domain: [0.5, maxStep + 0.5], nice: false };
  const x = {
    field: 'step',
    type: 'quantitative',
    title: 'local step of the calibration path',
    scale,
    axis: { format: 'd', tickMinStep: 1 },
  } as const;
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (windows.length > 0) {
    const bands = windows.map((w) => ({ ...w, x0: w.from - 0.5, x1: w.to + 0.5 }));
    layers.push(
      {
        data: { values: bands },
        mark: { type: 'rect', color: '#8c8c8c', opacity: 0.12 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', scale },
          x2: { field: 'x1' },
        },
      },
      {
        data: {
          values: bands.map((b) => ({ ...b, mid: (b.x0 + b.x1) / 2, label: b.window })),
        },
        mark: { type: 'text', color: '#555555', fontSize: 10, baseline: 'top' },
        encoding: {
          x: { field: 'mid', type: 'quantitative', scale },
          y: { value: 4 },
          text: { field: 'label', type: 'nominal' },
        },
      },
    );
  }
  layers.push({
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', opacity: 0.8, interpolate: 'linear' },
    encoding: {
      x,
      y: absGradipAxis(points),
      color: kindColor(kinds),
      strokeWidth: {
        field: 'verdict',
        type: 'ordinal',
        title: 'detector',
        legend: { symbolType: 'stroke', symbolStrokeColor: '#555555' },
        scale: {
          domain: verdicts,
          range: verdicts.map((v) => (v === 'flagged' ? 2.6 : 1.1)),
        },
      },
      detail: { field: 'trace', type: 'nominal' },
      tooltip: [
        { field: 'trace', type: 'nominal' },
        { field: 'step', type: 'quantitative' },
        { field: 'gradip', type: 'quantitative', format: '.3e' },
        { field: 'verdict', type: 'nominal' },
      ],
    },
  });
  return {
    id: 'gradip-steps',
    title: 'GradIP along the calibration path, per client',
    caption:
      '|GradIP| of every local step of each client’s Meerkat-vp calibration path (log scale; the calibration rounds’ unsynchronised local steps, one after another), one line per client and run: red = extreme (single-label) client, blue = mixed; a thick line is a client the detector flagged. Shaded: the detector’s initial and later windows (ρ_later compares mean |GradIP| over them; ρ_quiet is the share of quiet steps in the later one).',
    spec: { $schema: SCHEMA, width: WIDTH, height: HEIGHT, config: CONFIG, layer: layers },
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
        color: kindColor(kinds),
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
