import type { DetectionSummary } from '@meerkat/trainer';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';
import { htmlTable } from './html.js';
import type { RunRecord } from './read-run-dir.js';
import { runLocalSteps, runSeed, type SeriesRun } from './report-data.js';
import { meanStd } from './stats.js';

function pm(values: readonly (number | null | undefined)[], format: (v: number) => string) {
  const present = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  if (present.length === 0) return '–';
  const { mean, std, n } = meanStd(present);
  return n > 1 ? `${format(mean)} ± ${format(std)}` : format(mean);
}

/** Final metrics per series: mean ± std over its runs (seeds). */
export function finalMetricsTable(runs: readonly SeriesRun[]): string {
  const series = [...new Set(runs.map((r) => r.series))];
  // Causal-lm runs report held-out perplexity.
  const ppl = runs.some((r) => typeof r.run.summary?.finalPerplexity === 'number');
  const rows = series.map((name) => {
    const group = runs.filter((r) => r.series === name).map((r) => r.run);
    const s = group.map((r) => r.summary);
    return [
      name,
      String(group.length),
      pm(
        s.map((x) => x?.initialAccuracy),
        (v) => formatPercent(v),
      ),
      pm(
        s.map((x) => x?.finalAccuracy),
        (v) => formatPercent(v),
      ),
      ...(ppl
        ? [
            pm(
              s.map((x) => x?.initialPerplexity),
              (v) => formatNumber(v),
            ),
            pm(
              s.map((x) => x?.finalPerplexity),
              (v) => formatNumber(v),
            ),
          ]
        : []),
      pm(
        s.map((x) => x?.finalLoss),
        (v) => formatNumber(v),
      ),
      pm(
        s.map((x) => x?.totalBytesUpPerClient),
        formatBytes,
      ),
      pm(
        s.map((x) => x?.totalBytesDownPerClient),
        formatBytes,
      ),
      pm(
        s.map((x) => x?.totalForwardPasses),
        (v) => formatNumber(v, 6),
      ),
      pm(
        s.map((x) => x?.seconds),
        formatSeconds,
      ),
    ];
  });
  return htmlTable(
    'final-metrics',
    [
      'method',
      'runs',
      'initial acc.',
      'final acc.',
      ...(ppl ? ['initial perplexity', 'final perplexity'] : []),
      'final loss',
      'bytes up / client',
      'bytes down / client',
      'forward passes',
      'wall time',
    ],
    rows,
  );
}

/** One row per run directory. */
export function runsTable(runs: readonly SeriesRun[]): string {
  const rows = runs.map(({ run, series }) => {
    const s = run.summary;
    return [
      run.name,
      series,
      String(runSeed(run) ?? '–'),
      String(s?.rounds ?? run.metrics.length),
      String(runLocalSteps(run) ?? '–'),
      s === null ? '–' : String(s.clients.length),
      s === null ? '–' : formatNumber(s.trainableParameters, 6),
      formatPercent(s?.finalAccuracy),
      s === null ? 'unfinished' : formatSeconds(s.seconds),
    ];
  });
  return htmlTable(
    'runs',
    ['run', 'series', 'seed', 'rounds', 'T', 'clients', 'trainable', 'final acc.', 'wall time'],
    rows,
  );
}

export interface DetectionRow {
  readonly run: string;
  readonly detection: DetectionSummary;
  readonly extreme: readonly string[];
  readonly flagged: readonly string[];
}

/** The runs whose summary carries a detection result (Meerkat-vp). */
export function detectionRows(runs: readonly SeriesRun[]): DetectionRow[] {
  const rows: DetectionRow[] = [];
  for (const { run } of runs) {
    const s = run.summary;
    if (s?.detection === undefined) continue;
    rows.push({
      run: run.name,
      detection: s.detection,
      extreme: s.clients.filter((c) => c.kind === 'extreme').map((c) => c.id),
      flagged: s.clients.filter((c) => c.flagged).map((c) => c.id),
    });
  }
  return rows;
}

/** The 2×2 confusion table summed over runs, then one line per run. */
export function detectionTables(rows: readonly DetectionRow[]): string {
  const sum = (key: keyof Omit<DetectionSummary, 'precision' | 'recall'>) =>
    rows.reduce((s, r) => s + r.detection[key], 0);
  const tp = sum('truePositives');
  const fp = sum('falsePositives');
  const fn = sum('falseNegatives');
  const tn = sum('trueNegatives');
  const confusion = htmlTable(
    'detection-confusion',
    ['', 'flagged extreme', 'not flagged'],
    [
      ['truly extreme (single-label)', String(tp), String(fn)],
      ['truly normal', String(fp), String(tn)],
    ],
  );
  const perRun = htmlTable(
    'detection-runs',
    ['run', 'precision', 'recall', 'TP', 'FP', 'FN', 'TN', 'extreme clients', 'flagged'],
    rows.map((r) => [
      r.run,
      r.detection.precision === null ? '– (none flagged)' : formatPercent(r.detection.precision),
      r.detection.recall === null ? '– (no extreme)' : formatPercent(r.detection.recall),
      String(r.detection.truePositives),
      String(r.detection.falsePositives),
      String(r.detection.falseNegatives),
      String(r.detection.trueNegatives),
      r.extreme.join(', ') || '–',
      r.flagged.join(', ') || '–',
    ]),
  );
  const precision = tp + fp === 0 ? null : tp / (tp + fp);
  const recall = tp + fn === 0 ? null : tp / (tp + fn);
  return `${confusion}\n<p class="summary">Over ${rows.length} run(s): precision ${formatPercent(precision)}, recall ${formatPercent(recall)}.</p>\n${perRun}`;
}

/** Per client of every run with detection.json: truth, verdict, ρ_later, ρ_quiet, the reason. */
export function detectorClientsTable(runs: readonly RunRecord[]): string {
  const rows = runs.flatMap((run) =>
    (run.detection?.clients ?? []).map((c) => [
      run.name,
      c.clientId,
      c.truth,
      c.flagged ? 'flagged' : '–',
      formatNumber(c.rhoLater, 3),
      formatNumber(c.rhoQuiet, 3),
      c.reason,
    ]),
  );
  if (rows.length === 0) return '';
  return `<h3>Per client</h3>${htmlTable(
    'detection-clients',
    ['run', 'client', 'truth', 'verdict', 'ρ_later', 'ρ_quiet', 'reason'],
    rows,
  )}`;
}
