import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { buildReport } from '../build-report.js';
import type { ComparisonResult } from './comparisons.js';
import type { ExperimentConfig } from './experiment-config.js';
import type { CellResult, SeriesResult } from './experiment-results.js';
import { type ExperimentSession, type MaskUse, resultsMarkdown } from './results-markdown.js';

/** The files an experiment's results go to. */
export interface ResultsFiles {
  readonly markdown: string;
  readonly json: string;
  readonly report: string;
}

/** What results.md, results.json and report.html say: the finished cells and their tables. */
export interface ResultsContent {
  readonly experiment: ExperimentConfig;
  /** The command line shown in results.md. */
  readonly command: string;
  readonly outDir: string;
  readonly totalCells: number;
  readonly finished: readonly CellResult[];
  readonly series: readonly SeriesResult[];
  readonly comparisons: readonly ComparisonResult[];
  readonly masks: readonly MaskUse[];
  /** The mask cache directory (null: no cache). */
  readonly maskCacheDir: string | null;
  readonly sessions: readonly ExperimentSession[];
  readonly wallSeconds: number;
}

/** results.md, results.json and report.html in `outDir`. */
export function resultsFiles(outDir: string): ResultsFiles {
  return {
    markdown: join(outDir, 'results.md'),
    json: join(outDir, 'results.json'),
    report: join(outDir, 'report.html'),
  };
}

/** The invocations recorded in an earlier results.json (none when absent or unreadable). */
export async function previousSessions(path: string): Promise<ExperimentSession[]> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { sessions?: unknown };
    return Array.isArray(json.sessions) ? (json.sessions as ExperimentSession[]) : [];
  } catch {
    return [];
  }
}

/** results.md. */
export function experimentMarkdown(content: ResultsContent): string {
  const { experiment, finished, maskCacheDir } = content;
  return resultsMarkdown({
    name: experiment.name,
    description: experiment.description,
    command: content.command,
    series: content.series,
    finishedCells: finished.length,
    totalCells: content.totalCells,
    runSeconds: finished.reduce((sum, c) => sum + (c.run.summary?.seconds ?? 0), 0),
    comparisons: content.comparisons,
    masks: content.masks,
    sessions: content.sessions,
    ...(maskCacheDir === null ? {} : { maskCacheDir: relative(content.outDir, maskCacheDir) }),
  });
}

/** results.json. */
function resultsJson(content: ResultsContent): string {
  const { experiment, finished, outDir } = content;
  const json = {
    name: experiment.name,
    description: experiment.description,
    command: content.command,
    finishedCells: finished.length,
    totalCells: content.totalCells,
    wallSeconds: content.wallSeconds,
    sessions: content.sessions,
    series: content.series,
    comparisons: content.comparisons,
    masks: content.masks,
    cells: finished.map((c) => ({
      id: c.cell.id,
      series: c.cell.series,
      axes: c.cell.axes,
      runDir: relative(outDir, c.run.dir),
      summary: c.run.summary,
      detection: c.detection,
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** report.html: the finished cells' runs drawn, each under its series. */
async function experimentReport(content: ResultsContent): Promise<string> {
  const { experiment, finished } = content;
  const report = await buildReport(
    finished.map((c) => c.run),
    {
      title: `Meerkat experiment: ${experiment.name}`,
      description: experiment.description,
      series: new Map(finished.map((c) => [c.run.dir, c.cell.series])),
    },
  );
  return report.html;
}

/** Writes results.md (`markdown`), results.json and, when a cell finished, report.html. */
export async function writeResultsFiles(
  files: ResultsFiles,
  content: ResultsContent,
  markdown: string,
): Promise<void> {
  await mkdir(dirname(files.markdown), { recursive: true });
  await writeFile(files.markdown, markdown);
  await writeFile(files.json, resultsJson(content));
  if (content.finished.length > 0) await writeFile(files.report, await experimentReport(content));
}
