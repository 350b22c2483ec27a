import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  accuracyByBytesChart,
  accuracyByRoundChart,
  type ChartSpec,
  type DetectorPoint,
  detectorChart,
  gradipChart,
  gradipStepsChart,
  lossByRoundChart,
  perplexityByRoundChart,
} from './chart-specs.js';
import { escapeHtml } from './html.js';
import { type RunRecord, readRunDir } from './read-run-dir.js';
import { renderSvg } from './render-svg.js';
import {
  assignSeries,
  gradipPoints,
  gradipStepPoints,
  gradipWindowBands,
  referenceLines,
  runMethod,
  type SeriesRun,
  seriesCurves,
} from './report-data.js';
import { REPORT_CSS } from './report-style.js';
import {
  detectionRows,
  detectionTables,
  detectorClientsTable,
  finalMetricsTable,
  runsTable,
} from './report-tables.js';

export interface ReportOptions {
  /** Page title; default `Meerkat report`. */
  readonly title?: string;
  /** A paragraph under the title (plain text). */
  readonly description?: string;
  /**
   * The series label of each run, by run directory (absolute path). Runs not listed are grouped
   * by method (plus `T=<local steps>` when that differs).
   */
  readonly series?: ReadonlyMap<string, string>;
}

/** What the page holds, for callers that want to print or check it. */
export interface ReportContent {
  readonly html: string;
  /** The ids of the charts on the page (`data-chart` attributes), in order. */
  readonly charts: readonly string[];
}

function figure(chart: ChartSpec, svg: string): string {
  return `<figure data-chart="${chart.id}">
<figcaption><h3>${escapeHtml(chart.title)}</h3><p>${escapeHtml(chart.caption)}</p></figcaption>
<div class="chart">${svg}</div>
</figure>`;
}

function seriesOf(runs: readonly RunRecord[], labels?: ReadonlyMap<string, string>): SeriesRun[] {
  const derived = assignSeries(runs);
  return derived.map((r) => ({ run: r.run, series: labels?.get(r.run.dir) ?? r.series }));
}

function detectorPoints(runs: readonly RunRecord[]): DetectorPoint[] {
  return runs.flatMap((run) =>
    (run.detection?.clients ?? []).map((c) => ({
      run: run.name,
      client: c.clientId,
      kind: c.truth,
      flagged: c.flagged,
      rhoLater: c.rhoLater,
      rhoQuiet: c.rhoQuiet,
    })),
  );
}

interface Thresholds {
  readonly tauLater: number;
  readonly tauQuiet: number;
  readonly combine: 'and' | 'or';
}

/** The detector thresholds of the runs' configs when they all agree, else null. */
function sharedThresholds(runs: readonly RunRecord[]): Thresholds | null {
  const found = runs
    .filter((r) => r.detection !== null)
    .map((r) => {
      const vp = (r.config as { vp?: { detector?: Partial<Thresholds> } } | null)?.vp?.detector;
      return typeof vp?.tauLater === 'number' && typeof vp.tauQuiet === 'number'
        ? { tauLater: vp.tauLater, tauQuiet: vp.tauQuiet, combine: vp.combine ?? 'and' }
        : null;
    });
  const first = found[0];
  if (first === undefined || first === null) return null;
  return found.every((t) => JSON.stringify(t) === JSON.stringify(first)) ? first : null;
}

/**
 * Builds the self-contained HTML report of one or more runs: every chart is an inline SVG
 * rendered here by Vega, the CSS is inline, and the page loads nothing (no scripts, no URLs).
 */
export async function buildReport(
  runs: readonly RunRecord[],
  options: ReportOptions = {},
): Promise<ReportContent> {
  const series = seriesOf(runs, options.series);
  const curves = seriesCurves(series);
  // Causal-lm runs have perplexity instead of accuracy: a perplexity chart, no accuracy charts.
  const perplexity = curves.some((p) => p.perplexity !== null);
  const accuracy = curves.some((p) => p.accuracy !== null) || !perplexity;
  const references = referenceLines(runs);
  const charts: ChartSpec[] = accuracy ? [accuracyByRoundChart(curves, references.accuracy)] : [];
  if (perplexity) charts.push(perplexityByRoundChart(curves));
  if (curves.some((p) => p.loss !== null)) charts.push(lossByRoundChart(curves, references.loss));
  if (accuracy) charts.push(accuracyByBytesChart(curves));
  // Runs with gradip.json get GradIP per step of the calibration path; the others per round.
  const gradipSteps = gradipStepPoints(series);
  if (gradipSteps.length > 0) {
    charts.push(gradipStepsChart(gradipSteps, gradipWindowBands(series)));
  }
  const gradip = gradipPoints(series);
  if (gradip.length > 0) charts.push(gradipChart(gradip));
  const detector = detectorPoints(runs);
  if (detector.length > 0) charts.push(detectorChart(detector, sharedThresholds(runs)));
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));

  const detections = detectionRows(series);
  const title = options.title ?? 'Meerkat report';
  const methods = [...new Set(runs.map(runMethod))].join(', ');
  const sections: string[] = [];
  sections.push(`<section><h2>Final metrics</h2>${finalMetricsTable(series)}</section>`);
  sections.push(
    `<section class="charts"><h2>Charts</h2>${charts.map((c, i) => figure(c, svgs[i] as string)).join('\n')}</section>`,
  );
  if (gradip.length === 0 && gradipSteps.length === 0) {
    sections.push(
      '<section><h2>GradIP</h2><p class="note">No run recorded GradIP values (GradIP needs a mask calibrated with ḡ_pre; full-zo and the random/magnitude baselines have none).</p></section>',
    );
  }
  sections.push(
    `<section><h2>Meerkat-vp detection</h2>${
      detections.length === 0
        ? '<p class="note">No Meerkat-vp run among these: nothing was detected.</p>'
        : `${detectionTables(detections)}${detectorClientsTable(runs)}`
    }</section>`,
  );
  sections.push(`<section><h2>Runs</h2>${runsTable(series)}</section>`);

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(options.description ?? `${runs.length} run(s): ${methods}.`)}</p>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
  return { html, charts: charts.map((c) => c.id) };
}

/** Reads the run directories, builds the report and writes it to `out`; returns its content. */
export async function writeReport(
  runDirs: readonly string[],
  out: string,
  options: ReportOptions = {},
): Promise<ReportContent> {
  const runs = await Promise.all(runDirs.map((dir) => readRunDir(dir)));
  const content = await buildReport(runs, options);
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content.html);
  return content;
}
