import type { MaskCacheInputs } from '@meerkat/trainer';
import { formatBytes, formatNumber, formatSeconds } from '../format.js';
import type { MeanStd } from '../stats.js';
import type { ComparisonResult } from './comparisons.js';
import type { ComparisonMetric } from './experiment-config.js';
import type { SeriesResult } from './experiment-results.js';

function pm(s: MeanStd, format: (v: number) => string): string {
  if (s.n === 0) return '–';
  return s.n > 1 ? `${format(s.mean)} ± ${format(s.std)}` : format(s.mean);
}

const pct = (v: number) => (100 * v).toFixed(1);

function rangeText(range: readonly [number, number] | null): string {
  if (range === null) return '?';
  return range[0] === range[1] ? String(range[0]) : `${range[0]}–${range[1]}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

export interface ResultsMarkdownInput {
  readonly name: string;
  readonly description: string;
  readonly command: string;
  readonly series: readonly SeriesResult[];
  readonly finishedCells: number;
  readonly totalCells: number;
  /** Sum over finished cells of their runs' own wall time. */
  readonly runSeconds: number;
  /** Welch's t-tests of the experiment's `comparisons` (a "Comparisons" table). */
  readonly comparisons?: readonly ComparisonResult[];
  /** The cached masks the finished cells trained on (a "Calibrated masks" table). */
  readonly masks?: readonly MaskUse[];
  /** The mask cache directory, relative to the results directory (shown with the masks). */
  readonly maskCacheDir?: string;
  /** The invocations that trained the finished cells (their wall time, everything included). */
  readonly sessions?: readonly ExperimentSession[];
}

/** One `meerkat experiment` invocation that trained cells. */
export interface ExperimentSession {
  /** ISO date and time it started. */
  readonly startedAt: string;
  /** Its wall time, model loading and mask calibration included. */
  readonly wallSeconds: number;
  /** Cells it trained and cells it found finished. */
  readonly ran: number;
  readonly skipped: number;
  /** Masks it calibrated into the mask cache and the seconds that took. */
  readonly masksCalibrated: number;
  readonly calibrationSeconds: number;
}

/** A cached calibrated mask and the finished cells that trained on it. */
export interface MaskUse {
  readonly key: string;
  readonly seed: number;
  readonly density: number;
  readonly calibration: MaskCacheInputs['calibration'];
  /** The backend its gradients ran on (null when its `<key>.json` is missing). */
  readonly backend: string | null;
  /** Calibration wall time (model loading included), and when it was calibrated. */
  readonly seconds: number | null;
  readonly createdAt: string | null;
  /** 'calibrated': by this invocation; 'reused': this invocation found it in the cache; null: untouched. */
  readonly origin: 'calibrated' | 'reused' | null;
  readonly cells: readonly string[];
  readonly series: readonly string[];
}

const METRIC_LABELS: Readonly<Record<ComparisonMetric, string>> = {
  finalAccuracy: 'final acc. %',
  finalLoss: 'final loss',
  finalPerplexity: 'final perplexity',
};

function metricFormat(metric: ComparisonMetric): (v: number) => string {
  return metric === 'finalAccuracy' ? pct : (v) => formatNumber(v, 4);
}

function signed(text: string): string {
  return text.startsWith('-') ? `−${text.slice(1)}` : `+${text}`;
}

function comparisonsSection(comparisons: readonly ComparisonResult[]): string[] {
  const rows = comparisons.map((c) => {
    const f = metricFormat(c.metric);
    const side = (s: MeanStd) => (s.n === 0 ? '– (n = 0)' : `${pm(s, f)} (n = ${s.n})`);
    const { test } = c;
    return [
      c.a.series,
      c.b.series,
      METRIC_LABELS[c.metric],
      side(c.statsA),
      side(c.statsB),
      Number.isNaN(test.difference) ? '–' : signed(f(test.difference)),
      test.t === null ? '–' : test.t.toFixed(3).replace('-', '−'),
      test.df === null ? '–' : formatNumber(test.df, 3),
      test.p === null ? '–' : formatNumber(test.p, 3),
    ];
  });
  const out = [
    '',
    '### Comparisons (Welch’s t-test)',
    '',
    table(
      [
        'a',
        'b',
        'metric',
        'a: mean ± std',
        'b: mean ± std',
        'a − b',
        'Welch t',
        'df',
        'p (two-sided)',
      ],
      rows,
    ),
    '',
    'Welch’s unequal-variance t-test over the per-seed values of each series, Welch–Satterthwaite degrees of freedom, two-sided p; a − b in the metric’s units (accuracy in percentage points). With a few seeds per series the test has little power: a large p is no evidence that the two are equal.',
  ];
  const undefinedRows = comparisons.filter((c) => c.test.p === null);
  if (undefinedRows.length > 0) {
    out.push(
      '',
      ...undefinedRows.map(
        (c) =>
          `- p is – for ${c.a.series} vs ${c.b.series} (${METRIC_LABELS[c.metric]}): ${c.test.note}.`,
      ),
    );
  }
  return out;
}

function when(iso: string | null): string {
  return iso === null ? '' : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function masksSection(masks: readonly MaskUse[], dir: string | undefined): string[] {
  const cells = masks.reduce((sum, m) => sum + m.cells.length, 0);
  const calibrated = masks.filter((m) => m.origin === 'calibrated');
  const reused = masks.filter((m) => m.origin === 'reused');
  const thisRun =
    calibrated.length + reused.length === 0
      ? ''
      : ` This invocation calibrated ${calibrated.length} (${formatSeconds(calibrated.reduce((s, m) => s + (m.seconds ?? 0), 0))})${reused.length === 0 ? '' : ` and reused ${reused.length} calibrated before`}.`;
  return [
    '',
    '### Calibrated masks (mask cache)',
    '',
    `${cells} cell${cells === 1 ? '' : 's'} trained on ${masks.length} calibrated mask${masks.length === 1 ? '' : 's'} from the mask cache${dir === undefined ? '' : ` (\`${dir}/\`)`}: each mask was calibrated once and shared by every cell (of any experiment) with the same model, backend, density, calibration settings and seed.${thisRun}`,
    '',
    table(
      ['mask', 'seed', 'density', 'calibration', 'calibrated', 'cells'],
      masks.map((m) => {
        const c = m.calibration;
        const origin =
          m.origin === 'calibrated'
            ? ', this invocation'
            : m.origin === 'reused'
              ? ', reused by this invocation'
              : '';
        return [
          `\`${m.key.slice(0, 12)}\``,
          String(m.seed),
          String(m.density),
          `${c.batches} × ${c.batchSize} × ${c.seqLen} tokens of ${c.corpus}${m.backend === null ? '' : ` on ${m.backend}`}`,
          `${m.seconds === null ? '?' : formatSeconds(m.seconds)}${m.createdAt === null ? '' : `, ${when(m.createdAt)}`}${origin}`,
          `${m.cells.length}: ${m.series.join(', ')}`,
        ];
      }),
    ),
  ];
}

function sessionsSection(sessions: readonly ExperimentSession[]): string[] {
  if (sessions.length === 0) return [];
  const total = sessions.reduce((sum, s) => sum + s.wallSeconds, 0);
  const cells = sessions.reduce((sum, s) => sum + s.ran, 0);
  const calibration = sessions.reduce((sum, s) => sum + s.calibrationSeconds, 0);
  const masks = sessions.reduce((sum, s) => sum + s.masksCalibrated, 0);
  const what =
    masks === 0
      ? 'model loading and training'
      : `model loading, ${masks} mask calibration${masks === 1 ? '' : 's'} (${formatSeconds(calibration)}) and training`;
  if (sessions.length === 1) {
    const s = sessions[0] as ExperimentSession;
    return [
      `Total wall time: ${formatSeconds(total)} for the ${cells} cell${cells === 1 ? '' : 's'} trained in one invocation (${when(s.startedAt)}; ${what}).`,
      '',
    ];
  }
  return [
    `Total wall time: ${formatSeconds(total)} for the ${cells} cells trained over ${sessions.length} invocations (${what}): ${sessions
      .map((s) => `${when(s.startedAt)}, ${s.ran} cells, ${formatSeconds(s.wallSeconds)}`)
      .join('; ')}.`,
    '',
  ];
}

/** The results table(s) of an experiment as Markdown (what README sections quote). */
export function resultsMarkdown(input: ResultsMarkdownInput): string {
  const out: string[] = [`## Experiment \`${input.name}\``, ''];
  if (input.description !== '') out.push(input.description, '');
  out.push(`Command: \`${input.command}\``, '');
  out.push(
    `${input.finishedCells}/${input.totalCells} cells finished; their training rounds took ${formatSeconds(input.runSeconds)} of wall time in all (the runs' own clocks, without model loading and mask calibration). Mean ± sample std over seeds (n = seeds).`,
    '',
  );
  out.push(...sessionsSection(input.sessions ?? []));
  // Causal-lm series have held-out perplexity instead of accuracy.
  const ppl = input.series.some((s) => s.finalPerplexity.n > 0);
  const f4 = (v: number) => formatNumber(v, 4);
  out.push(
    table(
      [
        'series',
        'n',
        'rounds × T',
        ...(ppl ? ['initial perplexity', 'final perplexity'] : ['initial acc. %', 'final acc. %']),
        'final loss',
        'bytes / client',
        'fwd passes / client',
        'wall time / run',
      ],
      input.series.map((s) => [
        s.series,
        String((ppl ? s.finalPerplexity.n : s.finalAccuracy.n) || s.seeds.length),
        `${rangeText(s.rounds)} × ${rangeText(s.localSteps)}`,
        ...(ppl
          ? [pm(s.initialPerplexity, f4), pm(s.finalPerplexity, f4)]
          : [pm(s.initialAccuracy, pct), pm(s.finalAccuracy, pct)]),
        pm(s.finalLoss, (v) => formatNumber(v, 4)),
        pm(s.bytesPerClient, formatBytes),
        pm(s.forwardPassesPerClient, (v) => formatNumber(v, 4)),
        pm(s.seconds, formatSeconds),
      ]),
    ),
  );
  if ((input.comparisons ?? []).length > 0)
    out.push(...comparisonsSection(input.comparisons ?? []));
  const detected = input.series.filter((s) => s.detection !== null);
  if (detected.length > 0) {
    out.push('', '### Meerkat-vp detection (positive = extreme Non-IID client)', '');
    out.push(
      table(
        [
          'series',
          'precision %',
          'recall %',
          'TP / FP / FN / TN (summed)',
          'ρ_later extreme',
          'ρ_later normal',
          'quiet extreme',
          'quiet normal',
        ],
        detected.map((s) => {
          const d = s.detection as NonNullable<SeriesResult['detection']>;
          const f = (v: number) => formatNumber(v, 3);
          return [
            s.series,
            pm(d.precision, pct),
            pm(d.recall, pct),
            `${d.truePositives} / ${d.falsePositives} / ${d.falseNegatives} / ${d.trueNegatives}`,
            d.byKind.extreme === undefined ? '–' : pm(d.byKind.extreme.rhoLater, f),
            d.byKind.normal === undefined ? '–' : pm(d.byKind.normal.rhoLater, f),
            d.byKind.extreme === undefined ? '–' : pm(d.byKind.extreme.rhoQuiet, f),
            d.byKind.normal === undefined ? '–' : pm(d.byKind.normal.rhoQuiet, f),
          ];
        }),
      ),
    );
    out.push(
      '',
      'Precision is undefined (–) for a run that flagged nothing; ρ statistics pool every client of that kind over the seeds.',
    );
  }
  if ((input.masks ?? []).length > 0)
    out.push(...masksSection(input.masks ?? [], input.maskCacheDir));
  return `${out.join('\n')}\n`;
}
